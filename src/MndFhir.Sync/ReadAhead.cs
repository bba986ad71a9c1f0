using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MndFhir.Sync;

/// <summary>
/// Runs a stream ahead of its consumer on a task of its own, in batches, so the two run at once on two cores: the
/// consumer sees exactly the stream's items in the stream's order, and at most <c>aheadBatches</c> batches wait.
/// </summary>
/// <remarks>
/// The stream has ended (its enumerator disposed, so a database query it ran is closed) before the consumer sees its
/// end, so a consumer that starts another stream on the same database context next never runs two queries at once. A
/// consumer that stops early stops the stream and waits for it before it goes on. A stream that fails fails the
/// consumer with its exception, after the whole batches it produced before.
/// </remarks>
public static class ReadAhead
{
    public static async IAsyncEnumerable<T> Of<T>(
        Func<CancellationToken, IAsyncEnumerable<T>> stream, int batchSize, int aheadBatches, [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = Channel.CreateBounded<T[]>(new BoundedChannelOptions(aheadBatches) { SingleReader = true, SingleWriter = true });
        var producing = Task.Run(() => ProduceAsync(stream(stop.Token), batchSize, batches.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                foreach (var item in batch)
                {
                    yield return item;
                }
            }

            // The channel completes when the stream ends; a failed stream completes it with its exception, which
            // ReadAllAsync throws above. Awaited here too, so the stream is disposed before the consumer moves on.
            await producing;
        }
        finally
        {
            if (!producing.IsCompleted)
            {
                await stop.CancelAsync();
                try
                {
                    await producing;
                }
                catch (Exception)
                {
                    // The consumer stopped (or failed) first: its reason is the one that counts; the stream only ends.
                }
            }
        }
    }

    private static async Task ProduceAsync<T>(IAsyncEnumerable<T> stream, int batchSize, ChannelWriter<T[]> writer, CancellationToken ct)
    {
        Exception? failure = null;
        try
        {
            var batch = new List<T>(batchSize);
            await foreach (var item in stream.WithCancellation(ct))
            {
                batch.Add(item);
                if (batch.Count == batchSize)
                {
                    await writer.WriteAsync([.. batch], ct);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await writer.WriteAsync([.. batch], ct);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }
}
