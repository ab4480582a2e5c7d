using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platewatch.Server.Accounts;

/// <summary>Password hashing (PBKDF2-SHA256, per-password salt) and random bearer secrets.</summary>
internal static class Secrets
{
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string HashPassword(string password, int iterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool VerifyPassword(string password, string stored)
    {
        string[] parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int iterations) || iterations < 1)
            return false;
        byte[] salt = Convert.FromBase64String(parts[2]);
        byte[] expected = Convert.FromBase64String(parts[3]);
        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A 256-bit random secret with a readable prefix, so a leaked one can be recognised by scanners.</summary>
    public static string NewSecret(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
}

/// <summary>
/// The server's own key, kept in the data directory, used to HMAC high-entropy secrets (bearer tokens, camera
/// keys) before they are stored: a copy of the accounts database alone cannot be used to authenticate.
/// </summary>
internal sealed class SecretKeyring
{
    private readonly byte[] _key;

    private SecretKeyring(byte[] key) => _key = key;

    public static SecretKeyring LoadOrCreate(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "server.key");
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var fs = new FileStream(path, options);
            fs.Write(RandomNumberGenerator.GetBytes(32));
            fs.Flush(flushToDisk: true);
        }
        byte[] key = File.ReadAllBytes(path);
        if (key.Length != 32) throw new InvalidOperationException($"{path} is not a 32-byte key; restore it from backup (without it no token or camera key can be checked).");
        return new SecretKeyring(key);
    }

    public string Mac(string secret) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(secret)));
}
