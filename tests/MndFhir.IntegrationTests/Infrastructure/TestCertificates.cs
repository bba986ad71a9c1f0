using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// A certificate authority made by the test, and the certificates it issues: a server certificate for 127.0.0.1 and
/// client certificates, written as PEM and PKCS#12 files (keys readable by this user only) into a folder of the test.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates(string folder, string name = "MndFhir Test CA")
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        AuthorityFile = Path.Combine(folder, "ca.pem");
        File.WriteAllText(AuthorityFile, Authority.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 Authority { get; }

    /// <summary>PEM of the authority, as a destination's ServerCaFile.</summary>
    public string AuthorityFile { get; }

    /// <summary>A TLS server certificate for 127.0.0.1, with its key.</summary>
    public X509Certificate2 IssueServer() => Issue("CN=127.0.0.1", "1.3.6.1.5.5.7.3.1", server: true);

    /// <summary>A client certificate written as PEM certificate and key; returns (certificate file, key file).</summary>
    public (string Certificate, string Key) IssueClientPem(string name)
    {
        using var certificate = Issue($"CN={name}", "1.3.6.1.5.5.7.3.2", server: false);
        var certificateFile = Path.Combine(Folder, name + ".crt.pem");
        var keyFile = Path.Combine(Folder, name + ".key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        WritePrivate(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    /// <summary>A client certificate with its key as a password-protected PKCS#12 file.</summary>
    public string IssueClientPfx(string name, string password)
    {
        using var certificate = Issue($"CN={name}", "1.3.6.1.5.5.7.3.2", server: false);
        var file = Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Pkcs12, password));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return file;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this authority (and only to it).</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public static void WritePrivate(string file, string text)
    {
        File.WriteAllText(file, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(file, text);
    }

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
    }

    private X509Certificate2 Issue(string subject, string usage, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(12));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
