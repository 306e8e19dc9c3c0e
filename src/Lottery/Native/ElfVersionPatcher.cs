using System.Buffers.Binary;
using System.Text;

namespace Lottery.Native;

/// <summary>One entry of an ELF file's version-needs table (.gnu.version_r): "this library needs version
/// <see cref="Version"/> of <see cref="File"/>".</summary>
public sealed record ElfVersionNeed(string File, string Version, ushort Flags, long FlagsOffset)
{
    /// <summary>VER_FLG_WEAK: the dynamic loader treats a missing weak version as non-fatal.</summary>
    public const ushort WeakFlag = 0x2;
    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>
/// Reads and edits the version-needs table of a 64-bit little-endian ELF shared library.
/// Why: TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so names
/// GLIBCXX_3.4.32, which Debian 12 lacks; it needs it for one symbol it never relocates against.
/// Marking that one requirement weak lets glibc load the library, with no other change to the file.
/// </summary>
public static class ElfVersionPatcher
{
    const uint ShtGnuVerneed = 0x6ffffffe;

    public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(elf[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var needs = new List<ElfVersionNeed>();
        for (int i = 0; i < shnum; i++)
        {
            var sh = elf[checked((int)(shoff + (long)i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            long offset = BinaryPrimitives.ReadInt64LittleEndian(sh[24..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[40..]);
            int entries = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[44..]);
            long strtab = BinaryPrimitives.ReadInt64LittleEndian(elf[checked((int)(shoff + (long)link * shentsize + 24))..]);
            long vn = offset;
            for (int k = 0; k < entries; k++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                var verneed = elf[checked((int)vn)..];
                int count = BinaryPrimitives.ReadUInt16LittleEndian(verneed[2..]);
                string file = ReadString(elf, strtab + BinaryPrimitives.ReadUInt32LittleEndian(verneed[4..]));
                long aux = vn + BinaryPrimitives.ReadUInt32LittleEndian(verneed[8..]);
                for (int j = 0; j < count; j++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    var vernaux = elf[checked((int)aux)..];
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(vernaux[4..]);
                    string name = ReadString(elf, strtab + BinaryPrimitives.ReadUInt32LittleEndian(vernaux[8..]));
                    needs.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(vernaux[12..]);
                }
                vn += BinaryPrimitives.ReadUInt32LittleEndian(verneed[12..]);
            }
        }
        return needs;
    }

    /// <summary>Sets VER_FLG_WEAK on the need for <paramref name="version"/> of <paramref name="file"/>, in place.
    /// Returns how many entries changed (0 when already weak); throws when the file has no such need.</summary>
    public static int MarkWeak(Span<byte> elf, string file, string version)
    {
        var matches = ReadVersionNeeds(elf).Where(n => n.File == file && n.Version == version).ToList();
        if (matches.Count == 0)
            throw new InvalidDataException($"the ELF file does not need {version} of {file}");
        int changed = 0;
        foreach (var need in matches.Where(n => !n.IsWeak))
        {
            BinaryPrimitives.WriteUInt16LittleEndian(elf[(int)need.FlagsOffset..], (ushort)(need.Flags | ElfVersionNeed.WeakFlag));
            changed++;
        }
        return changed;
    }

    static string ReadString(ReadOnlySpan<byte> elf, long offset)
    {
        var tail = elf[checked((int)offset)..];
        int end = tail.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? tail : tail[..end]);
    }
}
