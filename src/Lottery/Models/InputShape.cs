namespace Lottery.Models;

/// <summary>Shape of one input example and the number of classes: what a model needs to know of its dataset.</summary>
public sealed record InputShape(int Channels, int Height, int Width, int Classes)
{
    public int Features => Channels * Height * Width;
}
