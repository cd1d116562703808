using System.Runtime.Versioning;

// These tests drive the Debian Postfix and miltertest binaries, and set Unix file modes.
[assembly: SupportedOSPlatform("linux")]
