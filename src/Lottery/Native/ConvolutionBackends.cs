using System.Runtime.InteropServices;

namespace Lottery.Native;

/// <summary>
/// Turns off libtorch's NNPACK convolution backend (PyTorch's <c>torch.backends.nnpack.enabled = False</c>, which
/// TorchSharp does not expose). Why: with channels-last weights (see ParameterArena) libtorch considers NNPACK for
/// batches of 16 or more, and on CPUs NNPACK does not support it prints "Could not initialize NNPACK! Reason:
/// Unsupported hardware." to stderr from every worker thread, into the middle of the progress display; on CPUs it
/// does support, it would pick a different convolution than here and so different last bits. Done through
/// libtorch's own C++ entry points (at::globalContext().setUserEnabledNNPACK(false)); where they are missing,
/// nothing is done and <see cref="Status"/> says so.
/// </summary>
public static class ConvolutionBackends
{
    const int RTLD_NOW = 2, RTLD_NOLOAD = 4;
    const string TorchCpu = "libtorch_cpu.so";
    const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    const string SetNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb";
    const string GetNnpackSymbol = "_ZNK2at7Context17userEnabledNNPACKEv";

    static readonly object Gate = new();
    static bool _done;

    public static string Status { get; private set; } = "not applied";

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
            if (!OperatingSystem.IsLinux()) { Status = "not Linux: NNPACK left as is"; return; }
            try
            {
                var library = DlOpen(TorchCpu, RTLD_NOW | RTLD_NOLOAD);  // the copy TorchSharp already loaded, never a second one
                if (library == IntPtr.Zero) { Status = $"{TorchCpu} not loaded: NNPACK left as is"; return; }
                if (!NativeLibrary.TryGetExport(library, GlobalContextSymbol, out var contextFn)
                    || !NativeLibrary.TryGetExport(library, SetNnpackSymbol, out var setFn)
                    || !NativeLibrary.TryGetExport(library, GetNnpackSymbol, out var getFn))
                {
                    Status = "libtorch lacks the NNPACK switch: NNPACK left as is";
                    return;
                }
                var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(contextFn)();
                Marshal.GetDelegateForFunctionPointer<SetEnabled>(setFn)(context, false);
                Status = Marshal.GetDelegateForFunctionPointer<GetEnabled>(getFn)(context) ? "NNPACK could not be disabled" : "NNPACK disabled";
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                Status = "no dlopen: NNPACK left as is";
            }
        }
    }
}
