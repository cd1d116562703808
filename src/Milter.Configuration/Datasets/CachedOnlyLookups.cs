namespace Milter.Configuration.Datasets;

/// <summary>
/// Runs work that looks up database datasets on the promise not to wait for the database: a look-up whose keys are
/// not all cached abandons the work instead of querying. A caller on a thread that must not block (a socket thread,
/// serving other connections) tries this first and moves the work to the thread pool only when a row really has to
/// be fetched, so that a warm cache costs no thread hop.
/// </summary>
public static class CachedOnlyLookups
{
    [ThreadStatic]
    private static bool t_active;

    /// <summary>True while <see cref="TryRun{T}"/> runs on this thread: database look-ups must not query.</summary>
    internal static bool Active => t_active;

    /// <summary>
    /// Runs <paramref name="work"/> with database look-ups answered from their caches only. False (and the work's
    /// partial effects, if any, to be redone) when some look-up needed the database.
    /// </summary>
    public static bool TryRun<T>(Func<T> work, out T? result)
    {
        ArgumentNullException.ThrowIfNull(work);
        t_active = true;
        try
        {
            result = work();
            return true;
        }
        catch (NotCachedException)
        {
            result = default;
            return false;
        }
        finally
        {
            t_active = false;
        }
    }

    /// <summary>Abandons the work of <see cref="TryRun{T}"/> (called by a database table missing a key).</summary>
    internal static Exception NotCached() => new NotCachedException();

    // Deliberately not a DatasetUnavailableException: nothing between the look-up and TryRun may take it for an outage.
    private sealed class NotCachedException : Exception
    {
    }
}
