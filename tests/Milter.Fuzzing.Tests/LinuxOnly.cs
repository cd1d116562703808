// dkim-milter is a Linux daemon: key-file permission checks and unix sockets use Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
