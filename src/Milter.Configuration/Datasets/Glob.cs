namespace Milter.Configuration.Datasets;

/// <summary>
/// The patterns of <c>refile:</c> datasets: <c>*</c> matches any run of characters (including none); every
/// other character matches itself, ignoring case. (OpenDKIM turns the pattern into a regular expression the
/// same way: only '*' is special.)
/// </summary>
public static class Glob
{
    /// <summary>True if <paramref name="text"/> matches <paramref name="pattern"/> entirely.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        int p = 0, t = 0, starPattern = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = p++;
                starText = t;
            }
            else if (p < pattern.Length && char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t]))
            {
                p++;
                t++;
            }
            else if (starPattern >= 0)
            {
                // Let the last '*' swallow one more character and try again from there.
                p = starPattern + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
