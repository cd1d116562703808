namespace Milter.IntegrationTests.Daemon;

/// <summary>The repository root, found from the test assembly's location (for the bundled samples).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Milter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
    }
}
