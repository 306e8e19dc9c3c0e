using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Native;

/// <summary>
/// Turns off libtorch's NNPACK convolution backend (PyTorch's <c>torch.backends.nnpack.enabled = False</c>, which
/// TorchSharp does not expose). Why: with channels-last weights (see ParameterArena) libtorch considers NNPACK for
/// batches of 16 or more, and on CPUs NNPACK does not support it prints "Could not initialize NNPACK! Reason:
/// Unsupported hardware." to stderr from every worker thread, into the middle of the progress display; on CPUs it
/// does support, it would pick a different convolution than here and so different last bits. Done through
/// libtorch's own C++ entry points (at::globalContext().setUserEnabledNNPACK(false)); where they are missing,
/// nothing is done and <see cref="Status"/> says so.
/// Also turns off libtorch's oneDNN (mkldnn) convolutions for a process whose network has a convolution that oneDNN
/// computes wrongly (<see cref="GuardAgainstPaddedChannels"/>).
/// </summary>
public static class ConvolutionBackends
{
    const int RTLD_NOW = 2, RTLD_NOLOAD = 4;
    const string TorchCpu = "libtorch_cpu.so";
    const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    const string SetNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb";
    const string GetNnpackSymbol = "_ZNK2at7Context17userEnabledNNPACKEv";
    const string SetMkldnnSymbol = "_ZN2at7Context20setUserEnabledMkldnnEb";
    const string GetMkldnnSymbol = "_ZNK2at7Context17userEnabledMkldnnEv";

    static readonly object Gate = new();
    static bool _done;

    public static string Status { get; private set; } = "not applied";

    /// <summary>Why oneDNN's convolutions were turned off in this process (null: they are on).</summary>
    public static string? OneDnnOff { get; private set; }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate IntPtr GlobalContext();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate void SetEnabled(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] [return: MarshalAs(UnmanagedType.U1)] delegate bool GetEnabled(IntPtr context);

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    static extern IntPtr DlOpen(string file, int flags);

    /// <summary>Idempotent; call after TorchSharp has loaded libtorch (any module or tensor created).</summary>
    public static void EnsureApplied()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            var unreachable = SwitchOff(SetNnpackSymbol, GetNnpackSymbol, out bool off);
            Status = unreachable is not null ? $"{unreachable}: NNPACK left as is" : off ? "NNPACK disabled" : "NNPACK could not be disabled";
        }
    }

    /// <summary>Calls one of libtorch's global-context switches with false: null when it was called (<paramref name="off"/>:
    /// whether its getter now reads false), else why it could not be reached.</summary>
    static string? SwitchOff(string setSymbol, string getSymbol, out bool off)
    {
        off = false;
        if (!OperatingSystem.IsLinux()) return "not Linux";
        try
        {
            var library = DlOpen(TorchCpu, RTLD_NOW | RTLD_NOLOAD);  // the copy TorchSharp already loaded, never a second one
            if (library == IntPtr.Zero) return $"{TorchCpu} not loaded";
            if (!NativeLibrary.TryGetExport(library, GlobalContextSymbol, out var contextFn)
                || !NativeLibrary.TryGetExport(library, setSymbol, out var setFn)
                || !NativeLibrary.TryGetExport(library, getSymbol, out var getFn))
                return "libtorch lacks the switch";
            var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(contextFn)();
            Marshal.GetDelegateForFunctionPointer<SetEnabled>(setFn)(context, false);
            off = !Marshal.GetDelegateForFunctionPointer<GetEnabled>(getFn)(context);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no dlopen";
        }
    }

    /// <summary>
    /// Whether oneDNN computes a convolution with this many input channels (per group) wrongly. Measured with libtorch
    /// 2.10 (oneDNN 3.7.1) on an AVX-512 CPU: a Conv1d or Conv2d with 17, 20, 24, 28 or 33 input channels returns a whole
    /// output channel of NaN in a third to two thirds of fresh layers (3, 5, 7, 8, 12, 15, 16, 32 and 48 never): oneDNN pads
    /// the channels to its 16-wide block and reads the padding uninitialized, so the result depends on what the memory
    /// held before (filling freed memory with MALLOC_PERTURB_ hides it; `torch.backends.mkldnn` off cures it). With AVX2
    /// the block is 8 wide and 28 channels fail there too, so channels above a block that are not a multiple of it count.
    /// </summary>
    public static bool OneDnnMiscomputes(long inputChannelsPerGroup) =>
        (inputChannelsPerGroup > 8 && inputChannelsPerGroup % 8 != 0) || (inputChannelsPerGroup > 16 && inputChannelsPerGroup % 16 != 0);

    /// <summary>
    /// Turns oneDNN's convolutions off for the rest of the process (libtorch then runs its own, slower but exact, kernels)
    /// when <paramref name="network"/> has a convolution <see cref="OneDnnMiscomputes"/>: without this such a network's loss
    /// is NaN at a random iteration. The built-in networks never need it (3 or a multiple of 16 channels). Returns whether
    /// oneDNN is off now; <see cref="OneDnnOff"/> says why, and the run's manifest records it. The switch is libtorch's
    /// global context: a convolution running on another thread at that moment changes kernels half way, and so its last bits
    /// (measured: three runs of the same 80 iterations of a ResNet gave three different metrics files with the switch thrown
    /// 5 s in); the test suite runs such networks alone for this reason.
    /// </summary>
    public static bool GuardAgainstPaddedChannels(nn.Module network)
    {
        if (OneDnnOff is not null) return true;
        var culprit = network.named_modules()
            .Where(m => m.module is TorchSharp.Modules.Conv1d or TorchSharp.Modules.Conv2d or TorchSharp.Modules.Conv3d)
            .Select(m => (m.name, channels: m.module.named_parameters(recurse: false).First(p => p.name == "weight").parameter.shape[1]))
            .FirstOrDefault(m => OneDnnMiscomputes(m.channels));
        if (culprit.name is null) return false;
        lock (Gate)
        {
            var unreachable = SwitchOff(SetMkldnnSymbol, GetMkldnnSymbol, out bool off);
            if (unreachable is not null || !off)
                throw new NotSupportedException($"layer '{culprit.name}' has {culprit.channels} input channels, which libtorch's oneDNN " +
                    $"convolutions compute wrongly, and they could not be switched off ({unreachable ?? "the switch did not take"}): use a multiple of 16 channels");
            OneDnnOff = $"oneDNN convolutions off: layer '{culprit.name}' has {culprit.channels} input channels (oneDNN reads its padding uninitialized)";
        }
        return true;
    }
}
