using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MndFhir.Intake;

/// <summary>
/// Opens an export file for every read of it (fingerprint, scan, parse), so that no read can hang or run forever: only
/// a regular file is read (after following symbolic links; a directory, device, named pipe or socket, a symbolic link
/// to nothing or a loop of them is the file's problem, <see cref="FileRules.NotARegularFile"/>), and never more than
/// the length it had when it was opened (a file still growing is read as it was). On Linux the file is opened without
/// blocking (a named pipe with no writer would block the open itself) and its type is read from the open handle, so a
/// file swapped between a check and the open cannot slip through; elsewhere the type is checked before the open.
/// </summary>
public static class ExportFileOpener
{
    private const int BufferSize = 1 << 16;

    /// <summary>Opens <paramref name="path"/>, or returns why it cannot be read as an export file (null stream).</summary>
    public static (Stream? Stream, FileProblem? Problem) Open(string path, string name) =>
        OperatingSystem.IsLinux() ? OpenOnLinux(path, name) : OpenElsewhere(path, name);

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The stream returned owns the file; every other path disposes it.")]
    private static (Stream?, FileProblem?) OpenOnLinux(string path, string name)
    {
        var fd = Native.open(Encoding.UTF8.GetBytes(path + "\0"), Native.O_RDONLY | Native.O_NONBLOCK | Native.O_CLOEXEC);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                Native.ENOENT when new FileInfo(path).LinkTarget is null => (null, Missing(name)),
                Native.ENOENT => (null, NotRegular(name, "a symbolic link to a file that does not exist")),
                Native.EACCES => throw new UnauthorizedAccessException($"{name} may not be read: {new Win32Exception(error).Message}"),
                Native.ELOOP => (null, NotRegular(name, "a loop of symbolic links")),
                Native.ENXIO => (null, NotRegular(name, "a socket")),
                _ => throw new IOException($"{name} could not be opened: {new Win32Exception(error).Message}", error),
            };
        }

        SafeFileHandle? handle = new(fd, ownsHandle: true);
        FileStream? file = null;
        try
        {
            var status = new byte[256];
            if (Native.statx(fd, [0], Native.AT_EMPTY_PATH, Native.STATX_TYPE | Native.STATX_SIZE, status) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                throw new IOException($"{name} could not be examined: {new Win32Exception(error).Message}", error);
            }

            var mode = BitConverter.ToUInt16(status, 28) & 0xF000;
            if (mode != 0x8000)
            {
                return (null, NotRegular(name, mode switch
                {
                    0x4000 => "a directory",
                    0x2000 => "a character device",
                    0x6000 => "a block device",
                    0x1000 => "a named pipe (FIFO)",
                    0xC000 => "a socket",
                    _ => "not a regular file",
                }));
            }

            var length = (long)BitConverter.ToUInt64(status, 40);
            file = new FileStream(handle, FileAccess.Read, BufferSize);
            handle = null;
            var bounded = new BoundedStream(file, length);
            file = null;
            return (bounded, null);
        }
        finally
        {
            file?.Dispose();
            handle?.Dispose();
        }
    }

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The stream returned owns the file; every other path disposes it.")]
    private static (Stream?, FileProblem?) OpenElsewhere(string path, string name)
    {
        if (!File.Exists(path) && !Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            return (null, Missing(name));
        }

        FileSystemInfo? target;
        try
        {
            target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return (null, NotRegular(name, "a loop of symbolic links"));
        }

        var resolved = target?.FullName ?? path;
        if (Directory.Exists(resolved))
        {
            return (null, NotRegular(name, "a directory"));
        }

        if (!File.Exists(resolved))
        {
            return (null, NotRegular(name, "a symbolic link to a file that does not exist"));
        }

        if ((File.GetAttributes(resolved) & FileAttributes.Device) != 0)
        {
            return (null, NotRegular(name, "a device"));
        }

        FileStream? stream = new(resolved, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        try
        {
            var bounded = new BoundedStream(stream, stream.Length);
            stream = null;
            return (bounded, null);
        }
        finally
        {
            stream?.Dispose();
        }
    }

    private static FileProblem Missing(string name) => new(name, null, FileRules.MissingFile, "the file is not in the export folder");

    private static FileProblem NotRegular(string name, string what) =>
        new(name, null, FileRules.NotARegularFile, $"the file is {what}, not a regular file: only a regular file is read (it could never end, or is not there)");

    /// <summary>Reads its inner stream up to a fixed length, from any position set: the length the file had when opened.</summary>
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Allowed(buffer.Length)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private int Allowed(int wanted) => (int)Math.Clamp(length - inner.Position, 0, wanted);
    }

    /// <summary>open(2) and statx(2) of Linux's C library: statx's buffer has the same layout on every architecture.</summary>
    private static class Native
    {
        public const int O_RDONLY = 0;
        public const int O_NONBLOCK = 0x800;
        public const int O_CLOEXEC = 0x80000;
        public const int AT_EMPTY_PATH = 0x1000;
        public const uint STATX_TYPE = 0x1;
        public const uint STATX_SIZE = 0x200;
        public const int ENOENT = 2;
        public const int ENXIO = 6;
        public const int EACCES = 13;
        public const int ELOOP = 40;

        [DllImport("libc", SetLastError = true)]
        public static extern int open(byte[] path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] status);
    }
}
