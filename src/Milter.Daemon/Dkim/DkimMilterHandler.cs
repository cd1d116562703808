using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Configuration.Datasets;
using Milter.Configuration.Messages;
using Milter.Configuration.Policy;
using Milter.Dkim;
using Milter.Dkim.AuthenticationResults;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;
using Milter.Protocol;
using Milter.Protocol.Handling;
using Milter.Daemon.Metrics;

namespace Milter.Daemon.Dkim;

/// <summary>
/// The DKIM milter for one MTA connection: collects recipients and headers, decides at end of headers whether
/// the message is signed, verified or left alone (<see cref="SigningPolicy"/>, the code <c>explain</c> runs),
/// streams the body into the signing or verifying operations, and at end of message inserts the signatures or
/// the Authentication-Results field and applies the On-* settings. A failure of our own never lets a message
/// that should be signed pass unsigned: it gets On-SignatureError (or On-InternalError when verifying).
/// </summary>
internal sealed class DkimMilterHandler : MilterHandler, IDisposable
{
    private const string SignatureFieldName = "DKIM-Signature";
    private const string ResultsFieldName = "Authentication-Results";
    private const string UnknownJobId = "(unknown-jobid)";
    private readonly CurrentFilter _filters;
    private readonly ILogger _log;
    private MessageState? _message;
    private CurrentFilter.Lease? _lease;

    public DkimMilterHandler(CurrentFilter filters, ILogger log)
    {
        _filters = filters ?? throw new ArgumentNullException(nameof(filters));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>The filter of the message in progress: the one that was current when it started (see <see cref="CurrentFilter"/>).</summary>
    private DkimFilter Filter => (_lease ??= _filters.Acquire()).Filter;

    /// <summary>
    /// What OpenDKIM asks for: header changes and quarantine; no HELO, DATA or unknown commands; header values with
    /// their leading space (version 6), so simple canonicalization sees exactly what was sent. Beyond OpenDKIM: no
    /// replies to CONNECT, MAIL, RCPT, headers and body chunks, which always continue here. That spares a round trip
    /// per step (a typical message needs 3 answered steps instead of 14); a failure at one of them still reaches the
    /// MTA, as the answer to end of headers or end of message (see MilterSession). Without the rights to add and to
    /// change header fields nothing can be signed or reported (forged Authentication-Results are removed by
    /// default), so an MTA that does not offer both is refused at negotiation, as OpenDKIM does; quarantine is
    /// checked where a message needs it.
    /// </summary>
    private static readonly MilterNegotiation Wanted = new(
        MilterActions.AddHeaders | MilterActions.ChangeHeaders | MilterActions.Quarantine,
        ProtocolOptions.NoHelo | ProtocolOptions.NoUnknown | ProtocolOptions.NoData | ProtocolOptions.HeaderLeadingSpace
        | ProtocolOptions.NoReplyConnect | ProtocolOptions.NoReplyMail | ProtocolOptions.NoReplyRecipient
        | ProtocolOptions.NoReplyHeader | ProtocolOptions.NoReplyBody)
    {
        RequiredActions = MilterActions.AddHeaders | MilterActions.ChangeHeaders,
    };

    /// <summary>Asks for <see cref="Wanted"/>; an offer that cannot pass header fields exactly is worth a warning, once.</summary>
    public override MilterNegotiation Negotiate(NegotiationOffer offer)
    {
        _filters.InexactHeaders.Consider(offer, _filters.Filter, _log);
        return Wanted;
    }

    public override ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        StartMessage();
        return new(MilterDecision.Continue);
    }

    public override ValueTask<MilterDecision> RecipientAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count > 0)
        {
            (_message ?? StartMessage()).Recipients.Add(arguments[0]);
        }

        return new(MilterDecision.Continue);
    }

    public override ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = _message ?? StartMessage();
        if (message.QuarantineOversizedHeaders)
        {
            return new(MilterDecision.Continue);
        }

        // OpenDKIM's count: name, value and 2 per field (its value is the one the MTA sent, with the leading space
        // when HDR_LEADSPC is negotiated, as Postfix 3 does; ours always has it).
        message.HeaderBytes += Encoding.UTF8.GetByteCount(header.Name) + header.RawValue.Length + 2;
        if (Filter.Limits.HeaderBlockTooLarge(message.HeaderBytes))
        {
            return new(OversizedHeaders(context, message));
        }

        message.Headers.Add((header.Name, header.RawValue.ToArray()));
        return new(MilterDecision.Continue);
    }

    /// <summary>
    /// The header block went over MaximumHeaders: On-Security, at this field, as OpenDKIM does (plain tempfail,
    /// reject, discard or accept; what was collected is dropped). Quarantine can only be asked for at end of
    /// message, so the message is carried there untouched.
    /// </summary>
    private MilterDecision OversizedHeaders(MilterContext context, MessageState message)
    {
        var action = Filter.Failures.Security;
        DkimLog.TooMuchHeaderData(_log, JobId(context), Filter.Limits.MaximumHeaderBytes, action.ToConfigValue());
        if (action == FailureAction.Quarantine)
        {
            message.QuarantineOversizedHeaders = true;
            message.Headers.Clear();
            return MilterDecision.Continue;
        }

        EndMessage();
        return action switch
        {
            FailureAction.Reject => MilterDecision.Reject,
            FailureAction.Discard => MilterDecision.Discard,
            FailureAction.Accept => MilterDecision.Accept,
            _ => MilterDecision.TempFail,
        };
    }

    public override ValueTask<MilterDecision> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = _message ?? StartMessage();
        if (message.QuarantineOversizedHeaders)
        {
            return new(MilterDecision.Continue);
        }

        string jobId = JobId(context);
        message.Sender = SenderAddress.Find(message.Headers, Filter.Signing.SenderHeaders);
        var facts = Facts(context, message);
        if (Filter.Policy.UsesDatabase)
        {
            // A look-up not cached queries PostgreSQL synchronously: never on the socket thread (inline completions),
            // whose blocking would stall every connection it serves. Rows all cached: decided here, without a hop.
            var policy = Filter.Policy;
            return CachedOnlyLookups.TryRun(() => policy.Decide(facts), out var cached)
                ? new(Apply(context, message, cached!, jobId, cancellationToken))
                : DecideOffSocketThreadAsync(context, message, facts, jobId, cancellationToken);
        }

        return new(Apply(context, message, Filter.Policy.Decide(facts), jobId, cancellationToken));
    }

    private async ValueTask<MilterDecision> DecideOffSocketThreadAsync(MilterContext context, MessageState message, MessageFacts facts, string jobId, CancellationToken cancellationToken)
    {
        var policy = Filter.Policy;
        var decision = await Task.Run(() => policy.Decide(facts), cancellationToken).ConfigureAwait(false);
        return Apply(context, message, decision, jobId, cancellationToken);
    }

    private MilterDecision Apply(MilterContext context, MessageState message, PolicyDecision decision, string jobId, CancellationToken cancellationToken)
    {
        message.Decision = decision;
        if (Filter.LogWhy)
        {
            foreach (string reason in decision.Reasons)
            {
                DkimLog.Why(_log, jobId, reason);
            }
        }

        if (decision.ExternalSenderOfOurDomain && message.Sender is { } sender)
        {
            DkimLog.ExternalHost(_log, jobId, ClientDescription(context), sender[(sender.LastIndexOf('@') + 1)..]);
        }

        switch (decision.Action)
        {
            case PolicyAction.Sign:
                return StartSigning(message, decision, jobId);
            case PolicyAction.Unavailable:
                // Refused at end of message, where every On-InternalError action (quarantine too) can be carried out.
                return MilterDecision.Continue;
            case PolicyAction.Verify:
                var verification = Filter.Verifier.Begin();
                message.Verification = verification;
                foreach (var (name, rawValue) in message.Headers)
                {
                    verification.AddHeader(new HeaderField(name, rawValue));
                }

                // Key look-ups start now and run while the body arrives.
                verification.EndOfHeaders(cancellationToken);
                return MilterDecision.Continue;
            default:
                EndMessage();
                return MilterDecision.Accept;
        }
    }

    public override ValueTask<MilterDecision> BodyAsync(MilterContext context, ReadOnlySequence<byte> chunk, CancellationToken cancellationToken)
    {
        if (_message is { } message)
        {
            foreach (var (_, operation) in message.Signings)
            {
                operation.AppendBody(chunk);
            }

            message.Verification?.AppendBody(chunk);
        }

        return new(MilterDecision.Continue);
    }

    public override async ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = _message;
        if (message?.QuarantineOversizedHeaders == true)
        {
            EndMessage();
            context.Modifications.Quarantine("dkim-milter: too much header data");
            return MilterDecision.Continue;
        }

        if (message?.Decision is null)
        {
            // No end of headers was seen (nothing to sign or verify was set up): nothing to add.
            EndMessage();
            return MilterDecision.Continue;
        }

        try
        {
            return message.Decision.Action switch
            {
                PolicyAction.Sign => FinishSigning(context, message),
                PolicyAction.Unavailable => Refuse(context, Filter.Failures.InternalError, "On-InternalError", JobId(context), "signing table unavailable", "signing table unavailable"),
                _ => await FinishVerifyingAsync(context, message, cancellationToken).ConfigureAwait(false),
            };
        }
        finally
        {
            EndMessage();
        }
    }

    public override ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        EndMessage();
        return ValueTask.CompletedTask;
    }

    public override ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        EndMessage();
        return ValueTask.CompletedTask;
    }

    private MilterDecision StartSigning(MessageState message, PolicyDecision decision, string jobId)
    {
        var settings = Filter.Signing;
        foreach (var choice in decision.Keys)
        {
            if (Filter.Keys.Find(choice.Key, out string? error) is not { } key)
            {
                DkimLog.KeyUnusable(_log, jobId, choice.Key.Name, error ?? "unknown");
                message.UnusableKey = choice.Key.Name;
                return MilterDecision.Continue;
            }

            var signer = new DkimSigner(key, new DkimSigningOptions
            {
                Domain = choice.Domain,
                Selector = choice.Key.Selector,
                Canonicalization = settings.Canonicalization,
                SignedHeaders = settings.SignedHeaders,
                OmittedHeaders = settings.OmittedHeaders,
                OversignedHeaders = settings.OversignedHeaders,
                Identity = choice.Identity,
                SignatureLifetime = settings.SignatureLifetime,
                MaximumSignedBytes = settings.MaximumSignedBytes,
                TimeProvider = Filter.TimeProvider,
            });
            var operation = signer.Begin();
            foreach (var (name, rawValue) in message.Headers)
            {
                // With RemoveOldSignatures the old signatures are gone before the new one is checked, so they are not
                // part of what it covers either (DKIM-Signature is never signed anyway).
                operation.AddHeader(name, rawValue);
            }

            message.Signings.Add((choice, operation));
        }

        return MilterDecision.Continue;
    }

    private MilterDecision FinishSigning(MilterContext context, MessageState message)
    {
        string jobId = JobId(context);
        if (message.UnusableKey is { } keyName)
        {
            // Never pass a message unsigned that should have been signed: the administrator decides what happens.
            DaemonMetrics.Current?.SigningKeyUnusable();
            return Refuse(context, Filter.Failures.SignatureError, "On-SignatureError", jobId, $"key '{keyName}' unusable", "internal DKIM error");
        }

        var signatures = new List<(SigningKeyChoice Choice, SignatureHeader Header)>(message.Signings.Count);
        try
        {
            foreach (var (choice, operation) in message.Signings)
            {
                signatures.Add((choice, operation.Finish()));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DkimLog.SigningFailed(_log, ex, jobId, ex.Message);
            DaemonMetrics.Current?.SigningFailed();
            return Refuse(context, Filter.Failures.SignatureError, "On-SignatureError", jobId, "signing failed", "internal DKIM error");
        }

        var modifications = context.Modifications;
        if (Filter.Signing.RemoveOldSignatures)
        {
            // Highest occurrence first, so each index still names the field it named when the message arrived.
            int count = message.Headers.Count(header => header.Name.Equals(SignatureFieldName, StringComparison.OrdinalIgnoreCase));
            for (int occurrence = count; occurrence >= 1; occurrence--)
            {
                modifications.DeleteHeader(occurrence, SignatureFieldName);
            }
        }

        // Each at the very top: a signature belongs above everything it covers (OpenDKIM inserts at index 0 too).
        foreach (var (choice, header) in signatures)
        {
            modifications.InsertHeader(0, header.Name, header.RawValue);
            DkimLog.SignatureAdded(_log, SuccessLevel, jobId, choice.Key.Selector, choice.Domain);
        }

        DaemonMetrics.Current?.Signed();

        return MilterDecision.Continue;
    }

    private async Task<MilterDecision> FinishVerifyingAsync(MilterContext context, MessageState message, CancellationToken cancellationToken)
    {
        string jobId = JobId(context);
        IReadOnlyList<DkimResult> evaluated;
        try
        {
            evaluated = await message.Verification!.FinishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DkimLog.VerificationFailed(_log, ex, jobId, ex.Message);
            DaemonMetrics.Current?.VerificationFailed();
            return Refuse(context, Filter.Failures.InternalError, "On-InternalError", jobId, "verification failed", "internal DKIM error");
        }

        // Reported in OpenDKIM's words; decided and logged with ours, which say more (e.g. body or header mismatch).
        var results = evaluated.Select(OpenDkimReporting.Present).ToList();
        string authservId = AuthservId(context);
        RemoveIncomingResults(context, message, authservId, jobId);
        if (message.Sender is null)
        {
            // As OpenDKIM: no usable sender header means no DKIM evaluation can be trusted (the signature's d= cannot
            // be related to an author), so the message is reported as malformed and accepted.
            DkimLog.NoSender(_log, jobId);
            DaemonMetrics.Current?.Verified(DkimResultStatus.PermError);
            context.Modifications.InsertHeader(0, ResultsFieldName, Encoding.UTF8.GetBytes($" {authservId}; dkim=permerror (bad message/signature format)"));
            return MilterDecision.Continue;
        }

        DaemonMetrics.Current?.Verified(evaluated);
        if (results.Count > 0 || Filter.Verification.AlwaysAddResultsToUnsigned)
        {
            // No DNSSEC here: keys from DNS are "unprotected", as OpenDKIM says without a trust anchor.
            string value = AuthenticationResultsFormatter.Format(authservId, results, ResultsLayout);
            context.Modifications.InsertHeader(0, ResultsFieldName, Encoding.UTF8.GetBytes(value));
        }

        if (Filter.LogResults && results.Count > 0)
        {
            DkimLog.SignatureResults(_log, jobId, string.Join("; ", results.Select(Describe)));
        }

        var verdict = VerificationVerdict.From(evaluated, Filter.Failures, Filter.Verification.AlwaysAddResultsToUnsigned);
        if (verdict.Problem is null)
        {
            if (evaluated.Count > 0)
            {
                DkimLog.VerificationSuccessful(_log, SuccessLevel, jobId);
            }

            return MilterDecision.Continue;
        }

        // "no signature data" is news only when something happens to the message, or when asked why.
        if (results.Count > 0 || verdict.Action != FailureAction.Accept || Filter.LogWhy)
        {
            DkimLog.VerificationProblem(_log, results.Count > 0 || verdict.Action != FailureAction.Accept ? LogLevel.Warning : LogLevel.Debug, jobId, verdict.Problem);
        }

        return Refuse(context, verdict.Action, verdict.Option, jobId, verdict.Problem, verdict.ReplyText, verdict.TempFailStatus);
    }

    private static readonly AuthenticationResultsOptions ResultsLayout = AuthenticationResultsOptions.Default with { Dnssec = KeyDnssecStatus.Unprotected };

    // OpenDKIM's LogResults wording: signature=<header.b> domain=D selector=S result="..."
    private static string Describe(DkimResult result) =>
        $"signature={(result.Signature is { } b ? b[..Math.Min(8, b.Length)] : "?")} domain={result.Domain ?? "?"} selector={result.Selector ?? "?"} " +
        $"result=\"{(result.Status == DkimResultStatus.Pass ? "no signature error" : result.Reason ?? result.Status.ToString().ToLowerInvariant())}\"";

    /// <summary>
    /// RFC 8601 §5: fields that claim our authserv-id did not come from us (we add ours after this) and are
    /// removed, unless KeepAuthResults; RemoveARAll removes every field, RemoveARFrom those of the listed hosts.
    /// </summary>
    private void RemoveIncomingResults(MilterContext context, MessageState message, string authservId, string jobId)
    {
        var settings = Filter.Verification;
        var fields = message.Headers.Where(header => header.Name.Equals(ResultsFieldName, StringComparison.OrdinalIgnoreCase)).ToList();
        for (int occurrence = fields.Count; occurrence >= 1; occurrence--)
        {
            string value = Encoding.UTF8.GetString(fields[occurrence - 1].RawValue);
            bool claimsOurs = AuthenticationResultsParser.ClaimsAuthservId(value, authservId);
            bool remove = settings.RemoveAllAuthResults
                || (claimsOurs && !settings.KeepAuthResults)
                || (AuthenticationResultsParser.TryGetAuthservId(value, out string? id) && settings.RemovesFrom(id));
            if (remove)
            {
                context.Modifications.DeleteHeader(occurrence, fields[occurrence - 1].Name);
                if (claimsOurs)
                {
                    DkimLog.ForgedResultsRemoved(_log, jobId, authservId);
                }
            }
        }
    }

    /// <summary>Applies an On-* action. Accept continues; the refusals carry OpenDKIM's SMTP codes.</summary>
    private MilterDecision Refuse(MilterContext context, FailureAction action, string option, string jobId, string reason, string replyText, string tempFailStatus = "4.7.0")
    {
        if (action != FailureAction.Accept)
        {
            DkimLog.ActionTaken(_log, jobId, $"{action.ToConfigValue()} per {option}", reason);
        }

        switch (action)
        {
            case FailureAction.Reject:
                return MilterDecision.WithReply(SmtpReply.Create(550, "5.7.0", replyText));
            case FailureAction.TempFail:
                return MilterDecision.WithReply(SmtpReply.Create(451, tempFailStatus, replyText));
            case FailureAction.Discard:
                return MilterDecision.Discard;
            case FailureAction.Quarantine:
                context.Modifications.Quarantine($"dkim-milter: {reason}");
                return MilterDecision.Continue;
            default:
                return MilterDecision.Continue;
        }
    }

    private static MessageFacts Facts(MilterContext context, MessageState message)
    {
        var connection = context.Connection;
        IPAddress? address = connection is not null && IPAddress.TryParse(connection.Address, out var parsed) ? parsed : null;
        // Postfix sends "unknown" or "[1.2.3.4]" when the client has no verified name: that is not a host name.
        string? hostname = connection?.Hostname is { Length: > 0 } name && name != "unknown" && !name.StartsWith('[') ? name : null;
        return new MessageFacts(message.Sender, address, hostname, context.Macros.Get, message.Recipients);
    }

    private string AuthservId(MilterContext context)
    {
        string? configured = Filter.Verification.AuthservId;
        if (configured is not null)
        {
            return configured == "HOSTNAME" ? System.Net.Dns.GetHostName() : configured;
        }

        return context.Macros.Get("j") is { Length: > 0 } mta ? mta : "unknown-host";
    }

    private static string ClientDescription(MilterContext context) =>
        context.Connection is { } connection ? $"{connection.Hostname} [{connection.Address}]" : "unknown";

    private static string JobId(MilterContext context) => context.Macros.Get("i") is { Length: > 0 } id ? id : UnknownJobId;

    private LogLevel SuccessLevel => Filter.LogSuccess ? LogLevel.Information : LogLevel.Debug;

    /// <summary>The server disposes the handler when its connection ends, whichever way it ends.</summary>
    public void Dispose() => EndMessage();

    private MessageState StartMessage()
    {
        EndMessage();
        _message = new MessageState();
        return _message;
    }

    private void EndMessage()
    {
        _message?.Dispose();
        _message = null;
        _lease?.Dispose();
        _lease = null;
    }
}
