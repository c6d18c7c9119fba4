// The host a worker process runs. It is started with the app's own runtimeconfig and deps file,
// so every assembly the app can load, the worker can load too.
return Spindle.WorkerHost.Run();
