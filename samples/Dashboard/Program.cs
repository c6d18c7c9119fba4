// The README's "Dashboard in your app": two pools, one of worker processes and one of worker threads, shown live at
// http://localhost:5000/spindle/ (only to this machine: the dashboard's default). A loop keeps both pools busy, so the
// page has something to show.
using Spindle;

var app = WebApplication.CreateBuilder(args).Build();
await using var images = new WorkerPool(new WorkerPoolOptions { Name = "images" });
await using var parsers = new WorkerPool(new WorkerPoolOptions { Name = "parsers", Isolation = Isolation.Thread });
app.MapSpindleDashboard("/spindle", options => { options.Pools.Add(images); options.Pools.Add(parsers); });
Task busy = Task.CompletedTask;
app.Lifetime.ApplicationStarted.Register(() => busy = KeepBusyAsync(app.Lifetime.ApplicationStopping));
app.Run();
await busy;

async Task KeepBusyAsync(CancellationToken stopping)
{
    while (!stopping.IsCancellationRequested)
    {
        await Task.WhenAll(
            Task.WhenAll(Enumerable.Range(0, 8).Select(i => images.RunAsync(() => Work(i)))),
            Task.WhenAll(Enumerable.Range(0, 8).Select(i => parsers.RunAsync(() => Work(i)))));
        await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
    }
}

static long Work(int seed)
{
    long sum = seed;
    for (int i = 0; i < 20_000_000; i++)
    {
        sum = (sum * 31 + i) % 1_000_003;
    }

    return sum;
}
