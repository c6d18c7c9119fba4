using System.Runtime.Versioning;

// This assembly uses Spindle's worker processes, IPC, shared memory or cross-process sync, which need Linux.
[assembly: SupportedOSPlatform("linux")]
