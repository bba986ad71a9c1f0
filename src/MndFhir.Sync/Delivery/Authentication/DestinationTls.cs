using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery.Authentication;

/// <summary>
/// The connection side of a destination's credentials: the client certificate of mutual TLS (PKCS#12, or PEM with
/// its key) and, for a hospital's own PKI, the certificate authorities its server's certificate is checked against.
/// The server's certificate is always validated: there is no setting that turns it off. Files are read when
/// IHttpClientFactory makes a handler (every two minutes), so a renewed certificate is taken up without a restart.
/// </summary>
public static class DestinationTls
{
    public static SocketsHttpHandler CreateHandler(DestinationOptions destination)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrWhiteSpace(destination.ClientCertificateFile))
        {
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(destination)];
        }

        if (!string.IsNullOrWhiteSpace(destination.ServerCaFile))
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(LoadAuthorities(destination));
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }

    /// <summary>The client certificate with its private key; <see cref="ConfigurationException"/> naming the key when it cannot be used.</summary>
    public static X509Certificate2 LoadClientCertificate(DestinationOptions destination)
    {
        var file = destination.ClientCertificateFile!;
        try
        {
            X509Certificate2 certificate;
            if (IsPem(file))
            {
                using var pem = X509Certificate2.CreateFromPemFile(file, destination.ClientCertificateKeyFile);

                // A PEM key is ephemeral; TLS stacks want a certificate whose key they can use as they like.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            else
            {
                var password = destination.ClientCertificatePasswordVariable is { Length: > 0 } variable
                    ? Environment.GetEnvironmentVariable(variable) ?? throw new ConfigurationException($"Destination '{destination.Name}': ClientCertificatePasswordVariable {variable} is not set.")
                    : null;
                certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password);
            }

            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new ConfigurationException($"Destination '{destination.Name}': ClientCertificateFile {file} has no private key (give ClientCertificateKeyFile, or a PKCS#12 file with the key).");
            }

            return certificate;
        }
        catch (CryptographicException ex)
        {
            throw new ConfigurationException($"Destination '{destination.Name}': ClientCertificateFile {file} cannot be used: {ex.Message}", ex);
        }
    }

    public static X509Certificate2Collection LoadAuthorities(DestinationOptions destination)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(destination.ServerCaFile!);
        }
        catch (CryptographicException ex)
        {
            throw new ConfigurationException($"Destination '{destination.Name}': ServerCaFile {destination.ServerCaFile} holds no PEM certificate: {ex.Message}", ex);
        }

        return authorities.Count > 0 ? authorities : throw new ConfigurationException($"Destination '{destination.Name}': ServerCaFile {destination.ServerCaFile} holds no PEM certificate.");
    }

    private static bool IsPem(string file)
    {
        using var reader = new StreamReader(file);
        var buffer = new char[4096];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
    }
}
