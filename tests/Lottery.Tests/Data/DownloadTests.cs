using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Lottery.Data;

namespace Lottery.Tests.Data;

/// <summary>A loopback HTTP server serving fixed bytes by path; everything else is 404.</summary>
sealed class LoopbackServer : IDisposable
{
    readonly HttpListener listener = new();
    readonly IReadOnlyDictionary<string, byte[]> files;
    readonly Task loop;

    public string BaseUrl { get; }
    public List<string> Requests { get; } = [];

    public LoopbackServer(IReadOnlyDictionary<string, byte[]> files)
    {
        this.files = files;
        // A port that was free a moment ago; retried because another process may grab it in between.
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}";
            listener.Prefixes.Clear();
            listener.Prefixes.Add(BaseUrl + "/");
            try { listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        loop = Task.Run(Serve);
    }

    async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await listener.GetContextAsync(); }
            catch (Exception) { return; }  // listener stopped
            var path = ctx.Request.Url!.AbsolutePath;
            lock (Requests) Requests.Add(path);
            if (files.TryGetValue(path, out var body))
            {
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
            }
            else ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        // Close alone: the managed HttpListener's Stop() already unregisters the endpoint, and a
        // Close() after it looks the endpoint up again, which re-binds the port (and fails with
        // "Address already in use" while the port's old connections sit in TIME_WAIT).
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}

public class DownloadTests
{
    static Dictionary<string, byte[]> MnistFiles(string prefix = "/mirror/mnist/")
    {
        var source = TestData.Dataset("mnist");
        return DatasetRegistry.Mnist.RequiredFiles.ToDictionary(f => prefix + f.Name, f => File.ReadAllBytes(Path.Combine(source, f.Name)));
    }

    static DataOptions Online(TempDir t, string mirror) =>
        DataTestSupport.Hermetic(Path.Combine(t.Path, "cache")) with { AllowDownload = true, Mirror = mirror };

    [Fact]
    public void Missing_dataset_is_downloaded_from_the_mirror_into_the_cache_and_verified()
    {
        using var server = new LoopbackServer(MnistFiles());
        using var t = new TempDir();
        var logged = new List<string>();

        var data = DatasetLoader.Load("mnist", null, Online(t, server.BaseUrl + "/mirror/") with { Log = logged.Add });

        var cacheDir = Path.Combine(t.Path, "cache", "mnist");
        Assert.Equal(cacheDir, data.Root);
        Assert.Equal(60000, data.TrainCount);
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(4, logged.Count);
        foreach (var f in DatasetRegistry.Mnist.RequiredFiles)
        {
            var path = Path.Combine(cacheDir, f.Name);
            Assert.Equal(f.DistributedSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
            Assert.Equal(f.ContentSha256, data.FileChecksums[f.Name]);
        }
        Assert.Equal(4, Directory.GetFiles(cacheDir).Length);  // no temporary files left

        // A second load finds the cache and downloads nothing.
        DatasetLoader.Load("mnist", null, Online(t, server.BaseUrl + "/mirror/"));
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public void Corrupted_download_is_rejected_and_leaves_no_file_behind()
    {
        var files = MnistFiles();
        var labels = DataTestSupport.Gzip(new byte[60008]);  // valid gzip, right size, wrong content
        files["/mirror/mnist/train-labels-idx1-ubyte.gz"] = labels;
        using var server = new LoopbackServer(files);
        using var t = new TempDir();

        var e = Assert.Throws<DataException>(() => DatasetLoader.Load("mnist", null, Online(t, server.BaseUrl + "/mirror")));

        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains(DatasetRegistry.Mnist.GetFile("train-labels-idx1-ubyte.gz").ContentSha256, e.Message);  // expected
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(new byte[60008])), e.Message);                // actual
        var cacheDir = Path.Combine(t.Path, "cache", "mnist");
        Assert.False(File.Exists(Path.Combine(cacheDir, "train-labels-idx1-ubyte.gz")));
        Assert.Empty(Directory.GetFiles(cacheDir, "*.part", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetFiles(cacheDir), p => Path.GetFileName(p).StartsWith('.'));
    }

    [Fact]
    public void Unreachable_file_fails_with_the_not_found_advice_in_one_line()
    {
        var files = MnistFiles();
        files.Remove("/mirror/mnist/t10k-images-idx3-ubyte.gz");
        using var server = new LoopbackServer(files);
        using var t = new TempDir();

        var e = Assert.Throws<DataException>(() => DatasetLoader.Load("mnist", null, Online(t, server.BaseUrl + "/mirror")));

        Assert.Contains("404", e.Message);
        Assert.Contains(Path.Combine(t.Path, "cache", "mnist"), e.Message);
        Assert.Contains("--data-root", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Archive_members_are_extracted_verified_and_renamed_into_place()
    {
        // A tiny CIFAR-like spec: two records, checksums computed here, shipped as <dir>/<file> in a .tar.gz.
        var batch = new byte[2 * 3073];
        batch[0] = 1; batch[3073] = 2; batch[5] = 77;
        var sha = Convert.ToHexStringLower(SHA256.HashData(batch));
        var spec = DatasetRegistry.Cifar10 with
        {
            Name = "tiny", Directory = "tiny-bin", TrainCount = 2, TestCount = 2,
            Files = [new("a.bin", batch.Length, sha), new("b.bin", batch.Length, sha)],
            TrainFiles = ["a.bin"], TestFiles = ["b.bin"],
        };

        using var t = new TempDir();
        var target = Path.Combine(t.Path, "tiny-bin");
        DatasetDownloader.ExtractArchive(new MemoryStream(TarGz(("tiny-bin/a.bin", batch), ("other/b.bin", batch), ("tiny-bin/b.bin", batch))), spec, target, "test.tar.gz");
        var data = DatasetLoader.ReadDirectory(spec, target);
        Assert.Equal([1, 2], data.TrainLabels);
        Assert.Equal(77, data.TrainImages[4]);

        // A corrupted member is discarded, the good one stays, and the error names the member.
        using var t2 = new TempDir();
        var bad = (byte[])batch.Clone();
        bad[100] ^= 1;
        var target2 = Path.Combine(t2.Path, "tiny-bin");
        var e = Assert.Throws<DataException>(() =>
            DatasetDownloader.ExtractArchive(new MemoryStream(TarGz(("tiny-bin/a.bin", batch), ("tiny-bin/b.bin", bad))), spec, target2, "test.tar.gz"));
        Assert.Contains("b.bin", e.Message);
        Assert.Equal(["a.bin"], Directory.GetFiles(target2).Select(Path.GetFileName));
    }

    static byte[] TarGz(params (string Name, byte[] Data)[] members)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
            foreach (var (name, data) in members)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return ms.ToArray();
    }
}
