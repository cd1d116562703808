namespace Milter.Protocol.Server;

/// <summary>What a <see cref="MilterServer"/> is doing at one moment.</summary>
/// <param name="OpenSessions">Connections being served.</param>
/// <param name="WaitingForSlot">Accepted connections waiting for a session to end (the connection limit is reached).</param>
/// <param name="MaxConnections">The limit on open sessions; 0 for none.</param>
/// <param name="Accepted">Connections accepted since the server started.</param>
public readonly record struct MilterServerStatus(int OpenSessions, int WaitingForSlot, int MaxConnections, long Accepted);
