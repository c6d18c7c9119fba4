using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NATS.Client.Core;
using NATS.NKeys;

namespace Spindle.Cluster.Nats;

/// <summary>
/// How a pool or an agent proves who it is to the NATS server (one of a user and password, a token, a <c>.creds</c>
/// file, or an nkey seed; a client certificate may come with any of them or alone), and how it checks the server (a
/// CA file; <c>tls://</c> in the address). <see cref="Check"/> reads every file once and names the option whose file
/// is missing or wrong, so a typo fails where it was made and not as a refused connection later.
/// </summary>
internal sealed record ClusterCredentials
{
    public string? User { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    public string? CredentialsFile { get; init; }

    /// <summary>A user nkey seed (<c>SU…</c>) itself.</summary>
    public string? NKeySeed { get; init; }

    /// <summary>A file holding a user nkey seed, as <c>nk -gen user</c> writes it; the public key is derived from it.</summary>
    public string? NKeySeedFile { get; init; }

    /// <summary>The PEM certificate(s) of the CA that signed the server's certificate, instead of the system's.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>The PEM client certificate shown to a server that verifies clients (mutual TLS), with <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertificateFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>What the user calls each of these, for errors.</summary>
    public ClusterOptionNames Names { get; init; } = ClusterOptionNames.Library;

    /// <summary>True when nothing here tells the server who connects: the connection is anonymous unless the server maps it.</summary>
    public bool IsAnonymous => User is null && Token is null && CredentialsFile is null && NKeySeed is null && NKeySeedFile is null && TlsCertificateFile is null;

    /// <summary>Checks the settings together and the files they name; throws <see cref="ArgumentException"/> naming the option to fix.</summary>
    public void Check()
    {
        // An empty value (an unset variable on a command line) is a mistake, not a way to sign in: caught here too, as
        // the command line hands its values over without the properties' setters.
        CheckText(User, Names.User);
        CheckText(Password, Names.Password);
        CheckText(Token, Names.Token);
        CheckText(NKeySeed, Names.NKeySeed);
        foreach ((string? path, string name) in new[]
        {
            (CredentialsFile, Names.CredentialsFile), (NKeySeedFile, Names.NKeySeedFile), (TlsCaFile, Names.TlsCaFile),
            (TlsCertificateFile, Names.TlsCertificateFile), (TlsKeyFile, Names.TlsKeyFile),
        })
        {
            CheckPath(path, name);
        }

        string[] given = new[]
        {
            User is not null ? $"{Names.User} (with {Names.Password})" : null,
            Token is not null ? Names.Token : null,
            CredentialsFile is not null ? Names.CredentialsFile : null,
            NKeySeed is not null ? Names.NKeySeed : null,
            NKeySeedFile is not null ? Names.NKeySeedFile : null,
        }.OfType<string>().ToArray();
        if ((User is null) != (Password is null))
        {
            throw new ArgumentException($"{Names.User} and {Names.Password} go together: set both or neither.", User is null ? Names.User : Names.Password);
        }

        if (given.Length > 1)
        {
            throw new ArgumentException($"Give only one way to sign in; got {string.Join(", ", given)}.", given[1]);
        }

        if ((TlsCertificateFile is null) != (TlsKeyFile is null))
        {
            throw new ArgumentException($"{Names.TlsCertificateFile} and {Names.TlsKeyFile} go together: the client certificate and its private key.",
                TlsCertificateFile is null ? Names.TlsCertificateFile : Names.TlsKeyFile);
        }

        MustExist(CredentialsFile, Names.CredentialsFile);
        MustExist(NKeySeedFile, Names.NKeySeedFile);
        MustExist(TlsCaFile, Names.TlsCaFile);
        MustExist(TlsCertificateFile, Names.TlsCertificateFile);
        MustExist(TlsKeyFile, Names.TlsKeyFile);
        if (NKeySeedFile is not null)
        {
            ReadSeedFile(NKeySeedFile, Names.NKeySeedFile);
        }

        if (TlsCaFile is not null)
        {
            CheckCa(TlsCaFile, Names.TlsCaFile);
        }

        if (TlsCertificateFile is not null && TlsKeyFile is not null)
        {
            CheckClientCertificate(TlsCertificateFile, TlsKeyFile);
        }
    }

    /// <summary>The client's authentication and TLS settings for <paramref name="options"/>.</summary>
    public NatsOpts ApplyTo(NatsOpts options)
    {
        string? seed = NKeySeed ?? (NKeySeedFile is null ? null : ReadSeedFile(NKeySeedFile, Names.NKeySeedFile));
        return options with
        {
            AuthOpts = NatsAuthOpts.Default with
            {
                Username = User,
                Password = Password,
                Token = Token,
                CredsFile = CredentialsFile,
                Seed = seed,
                NKey = seed is null ? null : PublicKeyOf(seed, Names.NKeySeedFile),
            },

            // Auto: TLS is required for a tls:// address or when a CA or client certificate is given; with neither, a
            // nats:// connection still upgrades to TLS when the server offers it.
            TlsOpts = NatsTlsOpts.Default with
            {
                Mode = TlsMode.Auto,
                CaFile = TlsCaFile,
                CertFile = TlsCertificateFile,
                KeyFile = TlsKeyFile,
            },
        };
    }

    /// <summary>Which settings a refused sign-in used, for the error.</summary>
    public string DescribeSignIn() =>
        User is not null ? $"{Names.User} and {Names.Password}"
        : Token is not null ? Names.Token
        : CredentialsFile is not null ? Names.CredentialsFile
        : NKeySeed is not null ? Names.NKeySeed
        : NKeySeedFile is not null ? $"{Names.NKeySeedFile} (is its public key one of the server's users?)"
        : TlsCertificateFile is not null ? $"{Names.TlsCertificateFile} (the server maps no user to it?)"
        : $"the credentials: none were given ({Names.User}/{Names.Password}, {Names.Token}, {Names.CredentialsFile} or {Names.NKeySeedFile})";

    /// <summary>True when <paramref name="server"/> names this machine by a loopback address or <c>localhost</c> (no name is looked up).</summary>
    public static bool IsLoopback(string server)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out Uri? uri))
        {
            return false;
        }

        return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Checks a user nkey seed given as a value; the error never repeats the secret.</summary>
    public static string? CheckSeed(string? value, string name)
    {
        if (value is not null)
        {
            PublicKeyOf(value, name);
        }

        return value;
    }

    /// <summary>
    /// Checks that a user, password or token says something: an empty one (an unset variable) is a mistake, not "none",
    /// and must not count as credentials (an agent connects to another machine only with some).
    /// </summary>
    public static string? CheckText(string? value, string name) =>
        value is null || value.Trim().Length > 0 ? value : throw new ArgumentException($"{name} is empty; leave it unset for none.", name);

    /// <summary>Checks that a path names something: an empty one is a mistake, not "none".</summary>
    public static string? CheckPath(string? value, string name) =>
        value is null || value.Trim().Length > 0 ? value : throw new ArgumentException($"{name} is an empty path; leave it unset for none.", name);

    private static void MustExist(string? path, string name)
    {
        if (path is not null && !File.Exists(path))
        {
            throw new ArgumentException($"{name} '{path}' does not exist.", name);
        }
    }

    /// <summary>The first line that is a user seed; comments and the public key line <c>nk</c> may write beside it are skipped.</summary>
    private static string ReadSeedFile(string path, string name)
    {
        foreach (string line in File.ReadLines(path))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("SU", StringComparison.Ordinal))
            {
                PublicKeyOf(trimmed, name);
                return trimmed;
            }
        }

        throw new ArgumentException($"{name} '{path}' holds no user nkey seed (a line starting with SU, as `nk -gen user` writes).", name);
    }

    private static string PublicKeyOf(string seed, string name)
    {
        KeyPair pair;
        try
        {
            pair = KeyPair.FromSeed(seed.AsSpan().Trim());
        }
        catch (Exception e) when (e is NKeysException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            // The library's message may quote the seed: it is not passed on.
            throw new ArgumentException($"{name} is not a valid user nkey seed (a user seed starts with SU).", name);
        }

        using (pair)
        {
            return pair.Prefix == PrefixByte.User
                ? pair.GetPublicKey()
                : throw new ArgumentException($"{name} is an nkey seed of another kind ({pair.Prefix}); a user seed starts with SU.", name);
        }
    }

    private static void CheckCa(string path, string name)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{name} '{path}' is not a PEM certificate file: {e.Message}", name, e);
        }

        int count = certificates.Count;
        foreach (X509Certificate2 certificate in certificates)
        {
            certificate.Dispose();
        }

        if (count == 0)
        {
            throw new ArgumentException($"{name} '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).", name);
        }
    }

    private void CheckClientCertificate(string certificateFile, string keyFile)
    {
        try
        {
            using X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException(
                $"{Names.TlsCertificateFile} '{certificateFile}' and {Names.TlsKeyFile} '{keyFile}' are not a PEM certificate and its unencrypted private key: {e.Message}",
                Names.TlsCertificateFile, e);
        }
    }
}
