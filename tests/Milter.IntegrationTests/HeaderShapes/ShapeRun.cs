namespace Milter.IntegrationTests.HeaderShapes;

/// <summary>Signing through the milter (dkimpy verifies the delivery) or verifying in it (dkimpy signed the message).</summary>
internal enum ShapeDirection
{
    Sign,
    Verify,
}

/// <summary>
/// One run's verdict on one shape: whether the signature verified, what was seen, and (signing runs) the fields
/// the signature's h= names.
/// </summary>
internal sealed record ShapeOutcome(bool Pass, string Detail, IReadOnlyList<string> SignedFields)
{
    public override string ToString() => Pass ? "pass" : "FAIL";
}

/// <summary>What one (direction, milter, milter_protocol) run did with every shape, by shape name, and the milter's output.</summary>
internal sealed record ShapeRun(IReadOnlyDictionary<string, ShapeOutcome> Outcomes, string MilterOutput, IReadOnlyList<string> MailLogProblems);
