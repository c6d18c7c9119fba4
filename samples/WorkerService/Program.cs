using WorkerService;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddWorkerPool("primes");    // options from appsettings.json, Spindle:Pools:primes
builder.Services.AddHostedService<PrimeCounter>();
builder.Build().Run();
