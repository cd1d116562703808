namespace Milter.IntegrationTests.Dns;

/// <summary>The transport a query came over.</summary>
public enum DnsTransport
{
    Udp,
    Tcp,
}

/// <summary>One query the server received: name (lower case, no trailing dot), type, transport, EDNS size.</summary>
public sealed record LoopbackDnsQuery(string Name, ushort Type, DnsTransport Transport, int? EdnsPayloadSize);
