namespace Lottery.Models;

/// <summary>The paper prunes each kind of layer at its own rate.</summary>
public enum LayerKind { Conv, FullyConnected, Output }
