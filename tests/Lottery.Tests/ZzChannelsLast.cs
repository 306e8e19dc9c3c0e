using Lottery.Models;
using Lottery.Hparams;
using TorchSharp;
using static TorchSharp.torch;
namespace Lottery.Tests;
public class ZzChannelsLast
{
    static Tensor Cl(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    [Fact]
    public void Probe()
    {
        foreach (var (m, batch) in new[] { ("resnet20", 128), ("conv4", 60), ("conv6", 60), ("vgg19", 64) })
        foreach (var threads in new[] { 2 })
        foreach (var mode in new[] { 0, 1, 2, 0, 1, 2 })
        {
            torch.set_num_threads(threads);
            using var model = ModelRegistry.Create(new ModelHparams(m), new InputShape(3, 32, 32, 10));
            Initializers.Apply(model, "glorot_normal", 1);
            bool cl = mode > 0;
            if (cl)
                using (no_grad())
                    foreach (var (n, p) in model.named_parameters())
                        if (p.dim() == 4) { var c = Cl(p); p.set_(c); }
            var x = randn(batch, 3, 32, 32);
            if (mode == 2) x = Cl(x);
            var y = randint(0, 10, batch);
            double best = double.MaxValue;
            for (int i = 0; i < 6; i++)
            {
                using var scope = NewDisposeScope();
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                foreach (var p in model.parameters()) p.grad?.zero_();
                if (i >= 1) best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
            }
            double eval = double.MaxValue;
            model.eval();
            for (int i = 0; i < 4; i++)
            {
                using var scope = NewDisposeScope();
                using var ng = no_grad();
                var sw = System.Diagnostics.Stopwatch.StartNew();
                model.call(x);
                if (i >= 1) eval = Math.Min(eval, sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"CL {m} threads {threads} mode {(mode == 0 ? "nchw" : mode == 1 ? "weights-cl" : "both-cl")}: {best:0.0} ms fwd+bwd, {eval:0.0} ms fwd eval");
        }
    }
}
