namespace Milter.Fuzzing;

/// <summary>A target found its entry point breaking a property it checks on every input (a round trip, a
/// canonical form that is not stable...). Never a bad-input exception: it always means a bug.</summary>
public sealed class FuzzPropertyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzPropertyException(string message) : base(message) { }

    /// <summary>Required by CA1032.</summary>
    public FuzzPropertyException() : base("a fuzzed property does not hold") { }

    /// <summary>Required by CA1032.</summary>
    public FuzzPropertyException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Throws when <paramref name="holds"/> is false.</summary>
    public static void Check(bool holds, string property)
    {
        if (!holds)
        {
            throw new FuzzPropertyException(property);
        }
    }
}
