namespace Spindle.Render.Scenes;

/// <summary>
/// A small ray tracer: reflective spheres on a checkered floor, a point light with hard shadows, the camera
/// orbiting once over the animation while one sphere bounces. Serial per pixel, no parallel reductions.
/// </summary>
internal sealed class SphereScene
{
    private const int MaxDepth = 3;
    private const double Epsilon = 1e-6;
    private static readonly Vec3 Light = new(4.0, 7.0, -3.0);
    private static readonly Vec3 Target = new(0.0, 0.8, 0.0);

    private readonly Sphere[] _spheres;
    private readonly int _width;
    private readonly int _height;
    private readonly Vec3 _eye;
    private readonly Vec3 _forward;
    private readonly Vec3 _right;
    private readonly Vec3 _up;

    public SphereScene(double time, int width, int height)
    {
        _width = width;
        _height = height;
        double angle = 2.0 * Math.PI * time;
        double bounce = Math.Abs(Math.Sin(4.0 * Math.PI * time));
        _spheres =
        [
            new(new Vec3(0.0, 1.0, 0.0), 1.0, new Vec3(0.9, 0.9, 0.95), 0.6),
            new(new Vec3(2.1, 0.6 + (1.2 * bounce), 0.4), 0.6, new Vec3(0.9, 0.25, 0.2), 0.2),
            new(new Vec3(-1.8, 0.7, 1.1), 0.7, new Vec3(0.2, 0.45, 0.95), 0.3),
            new(new Vec3(-0.6, 0.4, -1.9), 0.4, new Vec3(0.25, 0.85, 0.35), 0.1),
            new(new Vec3(1.2, 0.35, -1.6), 0.35, new Vec3(0.95, 0.8, 0.2), 0.4),
        ];
        _eye = new Vec3(5.0 * Math.Sin(angle), 2.0, -5.0 * Math.Cos(angle));
        _forward = (Target - _eye).Normalized;
        _right = _forward.Cross(new Vec3(0.0, 1.0, 0.0)).Normalized;
        _up = _right.Cross(_forward);
    }

    public void Render(byte[] rgba, CancellationToken cancellationToken)
    {
        double aspect = (double)_width / _height;
        const double FieldOfView = 0.6;
        int offset = 0;
        for (int y = 0; y < _height; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double v = (1.0 - ((y + 0.5) * 2.0 / _height)) * FieldOfView;
            for (int x = 0; x < _width; x++)
            {
                double u = (((x + 0.5) * 2.0 / _width) - 1.0) * FieldOfView * aspect;
                Vec3 direction = (_forward + (_right * u) + (_up * v)).Normalized;
                Vec3 color = Trace(_eye, direction, 0);
                rgba[offset] = FrameRenderer.ToByte(color.X);
                rgba[offset + 1] = FrameRenderer.ToByte(color.Y);
                rgba[offset + 2] = FrameRenderer.ToByte(color.Z);
                rgba[offset + 3] = 255;
                offset += 4;
            }
        }
    }

    private Vec3 Trace(Vec3 origin, Vec3 direction, int depth)
    {
        if (!Intersect(origin, direction, out double distance, out int hit))
        {
            double t = 0.5 * (direction.Y + 1.0);
            return (new Vec3(1.0, 1.0, 1.0) * (1.0 - t)) + (new Vec3(0.35, 0.55, 0.95) * t);
        }

        Vec3 point = origin + (direction * distance);
        Vec3 normal;
        Vec3 baseColor;
        double reflectivity;
        if (hit < 0)
        {
            normal = new Vec3(0.0, 1.0, 0.0);
            bool dark = ((long)Math.Floor(point.X) + (long)Math.Floor(point.Z) & 1) == 0;
            baseColor = dark ? new Vec3(0.12, 0.12, 0.14) : new Vec3(0.85, 0.85, 0.8);
            reflectivity = 0.15;
        }
        else
        {
            Sphere sphere = _spheres[hit];
            normal = (point - sphere.Center) * (1.0 / sphere.Radius);
            baseColor = sphere.Color;
            reflectivity = sphere.Reflectivity;
        }

        Vec3 toLight = Light - point;
        double lightDistance = toLight.Length;
        toLight *= 1.0 / lightDistance;
        Vec3 lifted = point + (normal * 1e-4);
        bool lit = !Intersect(lifted, toLight, out double blocker, out _) || blocker > lightDistance;
        double diffuse = lit ? Math.Max(0.0, normal.Dot(toLight)) : 0.0;
        double specular = lit ? Power32(Math.Max(0.0, toLight.Reflect(normal).Dot(direction))) : 0.0;
        Vec3 color = (baseColor * (0.12 + (0.88 * diffuse))) + (new Vec3(1.0, 1.0, 1.0) * (0.6 * specular));
        if (reflectivity > 0.0 && depth < MaxDepth)
        {
            Vec3 reflected = Trace(lifted, direction.Reflect(normal), depth + 1);
            color = (color * (1.0 - reflectivity)) + (reflected * reflectivity);
        }

        return color;
    }

    /// <summary>The nearest hit along the ray: a sphere's index, or -1 for the floor.</summary>
    private bool Intersect(Vec3 origin, Vec3 direction, out double nearest, out int hit)
    {
        nearest = double.MaxValue;
        hit = int.MinValue;
        for (int i = 0; i < _spheres.Length; i++)
        {
            Vec3 toCenter = origin - _spheres[i].Center;
            double b = toCenter.Dot(direction);
            double c = toCenter.Dot(toCenter) - (_spheres[i].Radius * _spheres[i].Radius);
            double discriminant = (b * b) - c;
            if (discriminant < 0.0)
            {
                continue;
            }

            double root = Math.Sqrt(discriminant);
            double distance = -b - root > Epsilon ? -b - root : -b + root;
            if (distance > Epsilon && distance < nearest)
            {
                nearest = distance;
                hit = i;
            }
        }

        if (direction.Y < -Epsilon)
        {
            double distance = -origin.Y / direction.Y;
            if (distance > Epsilon && distance < nearest)
            {
                nearest = distance;
                hit = -1;
            }
        }

        return hit != int.MinValue;
    }

    /// <summary>x to the 32nd by squaring: exact, unlike a library pow.</summary>
    private static double Power32(double x)
    {
        for (int i = 0; i < 5; i++)
        {
            x *= x;
        }

        return x;
    }

    private readonly record struct Sphere(Vec3 Center, double Radius, Vec3 Color, double Reflectivity);
}
