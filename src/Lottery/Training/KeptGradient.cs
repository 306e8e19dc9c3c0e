namespace Lottery.Training;

/// <summary>
/// The gradient at the kept positions of an arena's sparse slots (<see cref="ActivePositions.Indices"/>), compacted in
/// their order: what the optimizers' kept pass reads, sequentially, like the compacted moments (<see cref="KeptState"/>).
/// A sparse layer that trains on its kernels claims its weight's slot and adds its gradient here, in the same order,
/// instead of scattering it into the dense gradient for the optimizer to gather back (each a cache miss per kept weight,
/// and the dense slot cleared every step besides). The other slots (a dense layer, a convolution) are gathered from the
/// dense gradient at each step. The dense gradient of a claimed slot is not written by the step: <see
/// cref="ParameterArena.Grad"/> brings the claimed values into it when it is read.
/// </summary>
public sealed class KeptGradient
{
    readonly ActivePositions _active;
    readonly float[] _values;
    readonly bool[] _claimed;
    int _claimedCount;   // read every step (ZeroGrad): kept rather than counted

    public KeptGradient(ActivePositions active)
    {
        _active = active;
        _values = GC.AllocateArray<float>(active.Indices.Length, pinned: true);
        _claimed = new bool[active.Slots.Count];
    }

    /// <summary>Whether a sparse layer writes any slot here (the dense gradient then lacks that slot's values).</summary>
    public bool AnyClaimed => _claimedCount > 0;

    /// <summary>The compact gradient of slot <paramref name="name"/> for its sparse layer to add to, in increasing dense
    /// position; null when the slot is not visited position by position (its gradient then goes to the dense arena).</summary>
    public ArraySegment<float>? Claim(string name)
    {
        for (int s = 0; s < _active.Slots.Count; s++)
        {
            var slot = _active.Slots[s];
            if (slot.Name != name) continue;
            if (!_claimed[s]) _claimedCount++;
            _claimed[s] = true;
            return new ArraySegment<float>(_values, slot.First, slot.Count);
        }
        return null;
    }

    /// <summary>The slot's gradient goes back to the dense arena (its layer is detached). The caller clears the dense slot
    /// (<see cref="ParameterArena.ZeroGrad"/> does it every step).</summary>
    public void Release(string name)
    {
        for (int s = 0; s < _active.Slots.Count; s++)
            if (_active.Slots[s].Name == name && _claimed[s])
            {
                _claimed[s] = false;
                _claimedCount--;
            }
    }

    /// <summary>The dense ranges (start, length) of the claimed slots, increasing.</summary>
    public IEnumerable<(int Start, int Length)> ClaimedRanges()
    {
        for (int s = 0; s < _active.Slots.Count; s++)
            if (_claimed[s]) yield return (_active.Slots[s].Start, _active.Slots[s].Length);
    }

    /// <summary>Zeroes the claimed slots' compact gradients (the next backward adds to them).</summary>
    public void ClearClaimed()
    {
        for (int s = 0; s < _active.Slots.Count; s++)
            if (_claimed[s]) Array.Clear(_values, _active.Slots[s].First, _active.Slots[s].Count);
    }

    /// <summary>The whole compact gradient for an optimizer step: the claimed slots as their layers wrote them, the others
    /// gathered from <paramref name="dense"/>.</summary>
    public ReadOnlySpan<float> ForStep(ReadOnlySpan<float> dense)
    {
        var indices = _active.Indices;
        for (int s = 0; s < _active.Slots.Count; s++)
        {
            if (_claimed[s]) continue;
            var slot = _active.Slots[s];
            for (int k = slot.First; k < slot.First + slot.Count; k++) _values[k] = dense[indices[k]];
        }
        return _values;
    }

    /// <summary>The claimed slots' gradients into <paramref name="dense"/> at their positions (pruned positions stay as they are: zero).</summary>
    public void CopyClaimedInto(Span<float> dense)
    {
        var indices = _active.Indices;
        for (int s = 0; s < _active.Slots.Count; s++)
        {
            if (!_claimed[s]) continue;
            var slot = _active.Slots[s];
            for (int k = slot.First; k < slot.First + slot.Count; k++) dense[indices[k]] = _values[k];
        }
    }
}
