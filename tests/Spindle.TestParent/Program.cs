using Spindle;
using Spindle.Pools;

// A parent process for tests that must kill a parent or change its surroundings (a small /dev/shm):
//   pool <workers>   starts a warm pool, prints its workers' pids, and waits (until killed or its stdin closes)
//   no-dynamic-code  what each API does in an app without dynamic code (DynamicCodeProbe)
//   large-flood      prints "pids <parent> <worker>", then sends large values both ways until killed
//   shm-full         run where /dev/shm is 1 MiB: a large argument and a large result each fail alone, naming the
//                    size asked for and the filesystem, and the pool keeps serving
switch (args)
{
    case ["pool", var count]:
        return await Pool(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    case ["large-flood"]:
        return await LargeFlood();
    case ["shm-full"]:
        return await SharedMemoryFull();
    case ["no-dynamic-code"]:
        return OperatingSystem.IsLinux() ? await DynamicCodeProbe.RunAsync() : 2;
    default:
        Console.Error.WriteLine("usage: Spindle.TestParent pool <workers> | large-flood | shm-full | no-dynamic-code");
        return 2;
}

static async Task<int> Pool(int workers)
{
    var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = workers });
    await pool.WarmUpAsync();
    Console.WriteLine("pids " + string.Join(' ', pool.GetWorkers().Select(w => w.Id)));
    Console.Out.Flush();

    // Waits until killed (the test's whole point) or until its stdin closes.
    await Console.In.ReadToEndAsync();
    await pool.DisposeAsync();
    return 0;
}

static async Task<int> LargeFlood()
{
    await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1, SharedMemoryThreshold = 64 << 10 });
    await pool.WarmUpAsync();
    double[] values = new double[1 << 19]; // 4 MiB
    await pool.RunAsync(a => a, values);
    Console.WriteLine($"pids {Environment.ProcessId} {pool.GetWorkers().Single().Id}");
    Console.Out.Flush();
    while (true)
    {
        await Task.WhenAll(pool.RunAsync(a => a, values), pool.RunAsync(a => a, values));
    }
}

static async Task<int> SharedMemoryFull()
{
    await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1, SharedMemoryThreshold = 64 << 10 });
    try
    {
        await pool.RunAsync(a => a.Length, new double[1 << 19]);
        Console.WriteLine("argument: no error");
    }
    catch (IOException e)
    {
        Console.WriteLine("argument: " + e.Message);
    }

    try
    {
        await pool.RunAsync(n => new double[n], 1 << 19);
        Console.WriteLine("result: no error");
    }
    catch (RemoteException e)
    {
        Console.WriteLine("result: " + e.Message);
    }

    Console.WriteLine("after: " + await pool.RunAsync(x => x + 1, 41));
    return 0;
}
