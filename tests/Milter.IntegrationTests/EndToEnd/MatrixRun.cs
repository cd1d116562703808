namespace Milter.IntegrationTests.EndToEnd;

/// <summary>What one configuration of the matrix did with every message, captured before its rig stopped.</summary>
internal sealed record MatrixRun(
    IReadOnlyDictionary<string, MatrixDelivery> Deliveries,
    string DaemonOutput,
    IReadOnlyList<string> MailLogProblems);

/// <summary>One matrix message: the queue id Postfix answered at end of DATA, the delivery, dkimpy's verdicts.</summary>
internal sealed record MatrixDelivery(string SmtpQueueId, SignedMessage Message, IReadOnlyList<DkimpyVerdict> Verdicts);
