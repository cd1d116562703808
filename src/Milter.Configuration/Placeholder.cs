namespace Milter.Configuration; internal static class Placeholder { }
