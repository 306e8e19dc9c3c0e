using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Lottery.Tests.Training;

/// <summary>
/// The calls an assembly's IL makes, read from its metadata (System.Reflection.Metadata, no loading): for each method
/// with a body, the methods it calls (call, callvirt, newobj, ldftn), each named as "Namespace.Type::name(parameters)"
/// with nested types joined by '/', so that a call site in one assembly and the definition in another get one spelling;
/// with each call, the instruction that follows it (what becomes of the result).
/// </summary>
sealed class IlCalls
{
    /// <summary>A call site: the method called, and the name of the next instruction ("stloc.0", "call", "" at the end).</summary>
    public sealed record Call(string Callee, string Next);

    /// <summary>Caller → the calls of its body, in IL order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Call>> Calls { get; }

    IlCalls(IReadOnlyDictionary<string, IReadOnlyList<Call>> calls) => Calls = calls;

    public static IlCalls Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new Names(md);
        var calls = new Dictionary<string, IReadOnlyList<Call>>();
        foreach (var typeHandle in md.TypeDefinitions)
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0) continue;
                var callees = new List<Call>();
                string? pending = null;   // a callee waiting for the instruction after it
                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
                while (il.RemainingBytes > 0)
                {
                    var op = ReadOpCode(ref il);
                    if (pending is not null) { callees.Add(new Call(pending, op.Name ?? "")); pending = null; }
                    if (op.OperandType == OperandType.InlineMethod) pending = names.Method(MetadataTokens.EntityHandle(il.ReadInt32()));
                    else SkipOperand(ref il, op.OperandType);
                }
                if (pending is not null) callees.Add(new Call(pending, ""));
                // Overloads share a name; a second body under one key (none in practice) keeps both lists' calls.
                var key = names.Method(methodHandle)!;
                calls[key] = calls.TryGetValue(key, out var earlier) ? [.. earlier, .. callees] : callees;
            }
        return new IlCalls(calls);
    }

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    static OpCode ReadOpCode(ref BlobReader il)
    {
        byte first = il.ReadByte();
        short value = first == 0xFE ? (short)(0xFE00 | il.ReadByte()) : first;
        return OpCodesByValue.TryGetValue(value, out var op) ? op : throw new InvalidDataException($"unknown IL opcode 0x{value:X}");
    }

    static void SkipOperand(ref BlobReader il, OperandType type)
    {
        switch (type)
        {
            case OperandType.InlineNone: break;
            case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
            case OperandType.InlineVar: il.Offset += 2; break;
            case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
            case OperandType.InlineSwitch: { int targets = il.ReadInt32(); il.Offset += 4 * targets; break; }
            default: il.Offset += 4; break;   // tokens, 32-bit branches and constants
        }
    }

    /// <summary>Spells methods and types of one assembly's metadata the same way for definitions and references.</summary>
    sealed class Names(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string? Method(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    var m = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return Spell(Type(m.GetDeclaringType()), md.GetString(m.Name), m.DecodeSignature(this, null));
                }
                case HandleKind.MemberReference:
                {
                    var r = md.GetMemberReference((MemberReferenceHandle)handle);
                    if (r.GetKind() != MemberReferenceKind.Method) return null;
                    string parent = r.Parent.Kind switch
                    {
                        HandleKind.TypeReference => Type((TypeReferenceHandle)r.Parent),
                        HandleKind.TypeDefinition => Type((TypeDefinitionHandle)r.Parent),
                        HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)r.Parent).DecodeSignature(this, null),
                        _ => "?",
                    };
                    return Spell(parent, md.GetString(r.Name), r.DecodeMethodSignature(this, null));
                }
                case HandleKind.MethodSpecification:
                    return Method(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default: return null;
            }
        }

        static string Spell(string type, string name, MethodSignature<string> sig) => $"{type}::{name}({string.Join(",", sig.ParameterTypes)})";

        string Type(TypeDefinitionHandle handle)
        {
            var t = md.GetTypeDefinition(handle);
            var declaring = t.GetDeclaringType();
            return declaring.IsNil ? Join(md.GetString(t.Namespace), md.GetString(t.Name)) : Type(declaring) + "/" + md.GetString(t.Name);
        }

        string Type(TypeReferenceHandle handle)
        {
            var t = md.GetTypeReference(handle);
            return t.ResolutionScope.Kind == HandleKind.TypeReference
                ? Type((TypeReferenceHandle)t.ResolutionScope) + "/" + md.GetString(t.Name)
                : Join(md.GetString(t.Namespace), md.GetString(t.Name));
        }

        static string Join(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
