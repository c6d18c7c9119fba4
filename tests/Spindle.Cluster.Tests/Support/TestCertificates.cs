using System.Diagnostics;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A certificate authority and certificates made with <c>openssl</c> for one test class, in a temporary directory: the
/// server's (for 127.0.0.1 and localhost), a client's (for mutual TLS), and a second, unrelated CA that signed neither.
/// Keys are EC P-256, unencrypted PEM.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string OtherCaFile => Path.Combine(Directory, "other-ca.pem");

    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    public string ClientCertificateFile => Path.Combine(Directory, "client.pem");

    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    public static TestCertificates Create()
    {
        var certificates = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("spindle-tls-").FullName);
        try
        {
            certificates.MakeCa("ca", "Spindle Test CA");
            certificates.MakeCa("other-ca", "Spindle Unrelated CA");
            certificates.MakeSigned("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
            certificates.MakeSigned("client", "spindle-client", "extendedKeyUsage=clientAuth\n");
        }
        catch
        {
            certificates.Dispose();
            throw;
        }

        return certificates;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp directory's cleaning.
        }
    }

    private void MakeCa(string name, string commonName) =>
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", $"/CN={commonName}", "-keyout", $"{name}.key", "-out", $"{name}.pem");

    private void MakeSigned(string name, string commonName, string extensions)
    {
        File.WriteAllText(Path.Combine(Directory, $"{name}.ext"), extensions);
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", $"/CN={commonName}",
            "-keyout", $"{name}.key", "-out", $"{name}.csr");
        OpenSsl("x509", "-req", "-in", $"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", $"{name}.ext", "-out", $"{name}.pem");
    }

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl could not be started (is it installed?).");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Bounded.Unexpected))
        {
            process.Kill();
            throw new TimeoutException($"openssl {string.Join(' ', arguments)} did not finish within {Bounded.Unexpected.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output.Result}{error.Result}");
        }
    }
}
