namespace Milter.Fuzzing;

/// <summary>
/// One fuzzed entry point. Its contract: any input either succeeds or throws one of
/// <see cref="BadInputExceptions"/>, the exceptions the entry point documents for bad input and its callers catch.
/// Any other exception (IndexOutOfRange, NullReference, InvalidOperation, a broken property reported as
/// <see cref="FuzzPropertyException"/>...), a hang or running out of memory is a bug.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name used on the command line and for the corpus folder (corpus/NAME).</summary>
    string Name { get; }

    /// <summary>What is called, for --list and the documentation.</summary>
    string EntryPoint { get; }

    /// <summary>The exception types that mean "the input was bad" (subclasses included); may be empty.</summary>
    IReadOnlyList<Type> BadInputExceptions { get; }

    /// <summary>Feeds one input to the entry point.</summary>
    void Run(ReadOnlySpan<byte> input);
}
