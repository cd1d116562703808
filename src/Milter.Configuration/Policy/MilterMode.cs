namespace Milter.Configuration.Policy;

/// <summary>OpenDKIM's Mode: which roles run. The default is both.</summary>
[Flags]
public enum MilterMode
{
    /// <summary>Neither (not a valid setting; kept for completeness of the flags).</summary>
    None = 0,
    /// <summary>"s": sign.</summary>
    Sign = 1,
    /// <summary>"v": verify.</summary>
    Verify = 2,
}

/// <summary>Parsing of the Mode setting.</summary>
public static class MilterModes
{
    /// <summary>Reads a Mode value: any combination of the letters s and v ("sv", "vs", "s", "v").</summary>
    public static bool TryParse(string text, out MilterMode mode)
    {
        ArgumentNullException.ThrowIfNull(text);
        mode = MilterMode.None;
        foreach (char c in text)
        {
            switch (c)
            {
                case 's' or 'S': mode |= MilterMode.Sign; break;
                case 'v' or 'V': mode |= MilterMode.Verify; break;
                default: return false;
            }
        }

        return mode != MilterMode.None;
    }
}
