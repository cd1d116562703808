using Milter.Fuzzing;
using Milter.Fuzzing.Support;

// Milter.Fuzzing --list                          the targets
// Milter.Fuzzing TARGET [FILE]                   runs one input (FILE, or standard input): replays a crash
// Milter.Fuzzing TARGET --afl                    runs under afl-fuzz (SharpFuzz's fork server loop)
// Milter.Fuzzing --write-session-corpus DIR      records the session targets' seed corpora into DIR
const string Usage = "usage: Milter.Fuzzing --list | TARGET [FILE] | TARGET --afl | --write-session-corpus DIR";

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 64;
}

if (args[0] == "--list")
{
    foreach (var each in FuzzTargets.CreateAll())
    {
        Console.WriteLine($"{each.Name,-18} {each.EntryPoint}");
    }

    return 0;
}

if (args[0] == "--write-session-corpus" && args.Length == 2)
{
    await SessionCorpus.WriteAsync(args[1]);
    return 0;
}

if (FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; --list shows them");
    return 64;
}

if (args.Length == 2 && args[1] == "--afl")
{
    // SharpFuzz's fork server loop: one process runs input after input. Bad input is the expected outcome; only
    // what FuzzHarness lets through is a crash for AFL.
    SharpFuzz.Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzHarness.Execute(target, buffer.ToArray());
    });
    return 0;
}

byte[] input;
if (args.Length == 2)
{
    input = await File.ReadAllBytesAsync(args[1]);
}
else
{
    using var stdin = Console.OpenStandardInput();
    using var buffer = new MemoryStream();
    await stdin.CopyToAsync(buffer);
    input = buffer.ToArray();
}

// A bug propagates from here with its stack trace and a non-zero exit status.
var badInput = FuzzHarness.Execute(target, input);
Console.WriteLine(badInput is null ? "ok" : $"bad input ({badInput.GetType().Name}): {badInput.Message}");
(target as IDisposable)?.Dispose();
return 0;
