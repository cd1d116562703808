namespace Milter.Daemon.Hosting;

/// <summary>
/// Runs socket continuations on .NET's epoll threads instead of handing each one to the thread pool
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, a runtime setting read once, when the first asynchronous
/// socket operation starts). A milter session is a chain of short steps each waiting for a small packet, so the hop
/// to the thread pool was a large part of its cost: measured on 2 cores, RSA-2048 signing at 64 connections took
/// 0.43-0.51 ms of CPU per message with the hop and 0.38-0.41 ms without (docs/BENCHMARKS.md). The runtime then
/// uses one epoll thread per core, so a message being signed on one does not hold up sessions on the others.
/// Nothing on a session's path blocks a thread (DNS is asynchronous; keys are read at start-up and reload).
/// An administrator's own setting of the variable, <c>0</c> included, is left as it is.
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on unless the environment says otherwise; call before any socket is used.</summary>
    public static void EnableUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
