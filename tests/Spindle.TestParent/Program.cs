using Spindle;
using Spindle.Pools;

// A parent process for tests that must kill a parent: it starts a warm pool, prints its workers' pids, and waits.
// `no-dynamic-code`: what each API does in an app without dynamic code (DynamicCodeProbe).
if (args is ["no-dynamic-code"])
{
    return OperatingSystem.IsLinux() ? await DynamicCodeProbe.RunAsync() : 2;
}

if (args is not ["pool", var count])
{
    Console.Error.WriteLine("usage: Spindle.TestParent pool <workers> | no-dynamic-code");
    return 2;
}

var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) });
await pool.WarmUpAsync();
Console.WriteLine("pids " + string.Join(' ', pool.GetWorkers().Select(w => w.Id)));
Console.Out.Flush();

// Waits until killed (the test's whole point) or until its stdin closes.
await Console.In.ReadToEndAsync();
await pool.DisposeAsync();
return 0;
