namespace Milter.Fuzzing;

/// <summary>Runs a target on one input, telling bad input (fine) from a bug.</summary>
public static class FuzzHarness
{
    /// <summary>
    /// Runs <paramref name="target"/> on <paramref name="input"/>; a bad-input exception is the expected outcome
    /// and is returned, anything else propagates (for AFL: a crash).
    /// </summary>
    public static Exception? Execute(IFuzzTarget target, ReadOnlySpan<byte> input)
    {
        ArgumentNullException.ThrowIfNull(target);
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception ex) when (IsBadInput(target, ex))
        {
            return ex;
        }
    }

    /// <summary>True when <paramref name="exception"/> is one of the target's documented bad-input exceptions.</summary>
    public static bool IsBadInput(IFuzzTarget target, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(exception);
        return exception is not FuzzPropertyException && target.BadInputExceptions.Any(type => type.IsInstanceOfType(exception));
    }
}
