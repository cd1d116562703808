namespace Milter.Configuration.Datasets;

/// <summary>
/// A look-up in a database dataset could not be answered: the key is not cached and the database cannot be
/// reached, or its row is malformed. The message that needed it gets On-InternalError (tempfail by default), never
/// a decision made without the table.
/// </summary>
public sealed class DatasetUnavailableException : Exception
{
    public DatasetUnavailableException()
    {
    }

    public DatasetUnavailableException(string message)
        : base(message)
    {
    }

    public DatasetUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
