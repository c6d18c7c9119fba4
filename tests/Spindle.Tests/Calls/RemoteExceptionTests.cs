using System.Reflection;
using System.Reflection.Emit;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class RemoteExceptionTests
{
    [Fact]
    public async Task RunAsync_UserCodeThrows_RemoteExceptionCarriesTypeMessageAndWorkerStack_WorkerStaysHealthy()
    {
        await using WorkerPool pool = TestPools.Process();
        int pidBefore = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(Explode, "boom").Within("throwing call"));
        int pidAfter = await pool.RunAsync(() => Environment.ProcessId).Within("call after the exception");

        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal("boom", error.RemoteMessage);
        Assert.Contains(nameof(Explode), error.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal(pidBefore, error.WorkerProcessId);
        Assert.Equal(pidBefore, pidAfter);
    }

    [Fact]
    public async Task RunAsync_InnerExceptions_TravelAsAChain()
    {
        await using WorkerPool pool = TestPools.Process();

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(() => Wrap()).Within("throwing call"));

        var inner = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal(typeof(FormatException).FullName, inner.RemoteType);
        Assert.Equal("inner", inner.RemoteMessage);
    }

    [Fact]
    public async Task ThreadIsolation_UserCodeThrows_TheOriginalExceptionIsRethrown()
    {
        await using WorkerPool pool = TestPools.Thread();

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.RunAsync(Explode, "boom").Within("throwing call"));
    }

    [Fact]
    public async Task RunAsync_AssemblyTheWorkerCannotLoad_ErrorNamesTheAssembly()
    {
        string directory = Directory.CreateTempSubdirectory("spindle-plugin-").FullName;
        try
        {
            string name = "SpindlePlugin" + Guid.NewGuid().ToString("N");
            Func<int, int> plusOne = EmitPlugin(directory, name);
            await using (WorkerPool loaded = TestPools.Process())
            {
                Assert.Equal(2, await loaded.RunAsync(plusOne, 1).Within("plugin call while its file exists"));
            }

            File.Delete(Path.Combine(directory, name + ".dll"));
            await using WorkerPool pool = TestPools.Process();

            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(plusOne, 1).Within("plugin call after its file is gone"));

            Assert.Contains(name, error.Message, StringComparison.Ordinal);
            Assert.Equal(2, await pool.RunAsync(x => x + 1, 1).Within("a call after the failure"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int Explode(string message) => throw new InvalidOperationException(message);

    private static int Wrap()
    {
        try
        {
            throw new FormatException("inner");
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException("outer", e);
        }
    }

    /// <summary>Writes a one-method assembly to disk and loads it from there, as a plugin would be.</summary>
    private static Func<int, int> EmitPlugin(string directory, string name)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(name), typeof(object).Assembly);
        TypeBuilder type = builder.DefineDynamicModule(name).DefineType("Plugin", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed);
        MethodBuilder method = type.DefineMethod("PlusOne", MethodAttributes.Public | MethodAttributes.Static, typeof(int), [typeof(int)]);
        ILGenerator il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Ret);
        type.CreateType();
        string path = Path.Combine(directory, name + ".dll");
        builder.Save(path);
        Assembly plugin = Assembly.LoadFrom(path);
        return plugin.GetType("Plugin")!.GetMethod("PlusOne")!.CreateDelegate<Func<int, int>>();
    }
}
