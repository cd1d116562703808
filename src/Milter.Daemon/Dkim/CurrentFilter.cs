namespace Milter.Daemon.Dkim;

/// <summary>
/// The filter the milter runs with, replaced as a whole on reload. Each message leases the filter that is current
/// when it starts and keeps it to its end, so a reload never changes the rules, or frees the keys, under a message
/// in progress; a replaced filter is disposed when its last message ends.
/// </summary>
internal sealed class CurrentFilter : IDisposable
{
    private Lease? _current;

    public CurrentFilter(DkimFilter filter) => _current = new Lease(filter ?? throw new ArgumentNullException(nameof(filter)));

    /// <summary>Said once in the daemon's life, whatever reloads happen (see <see cref="InexactHeadersWarning"/>).</summary>
    public InexactHeadersWarning InexactHeaders { get; } = new();

    /// <summary>The filter new messages get now.</summary>
    public DkimFilter Filter => (Volatile.Read(ref _current) ?? throw new ObjectDisposedException(nameof(CurrentFilter))).Filter;

    /// <summary>Takes a lease on the current filter; dispose the lease when the message ends.</summary>
    public Lease Acquire()
    {
        while (true)
        {
            var lease = Volatile.Read(ref _current) ?? throw new ObjectDisposedException(nameof(CurrentFilter));
            if (lease.TryAddReference())
            {
                return lease;
            }

            // Replaced between the read and the increment: the new one is already in place.
        }
    }

    /// <summary>Makes <paramref name="filter"/> current; the old one goes when its last message ends.</summary>
    public void Replace(DkimFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var previous = Interlocked.Exchange(ref _current, new Lease(filter));
        if (previous is null)
        {
            filter.Dispose();
            throw new ObjectDisposedException(nameof(CurrentFilter));
        }

        previous.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Dispose();

    /// <summary>A counted reference to one filter; the holder's own reference counts as one.</summary>
    internal sealed class Lease : IDisposable
    {
        private int _references = 1;

        public Lease(DkimFilter filter) => Filter = filter;

        public DkimFilter Filter { get; }

        public bool TryAddReference()
        {
            int references = Volatile.Read(ref _references);
            while (references > 0)
            {
                int seen = Interlocked.CompareExchange(ref _references, references + 1, references);
                if (seen == references)
                {
                    return true;
                }

                references = seen;
            }

            return false;
        }

        public void Dispose()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                Filter.Dispose();
            }
        }
    }
}
