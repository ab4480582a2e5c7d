using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Platewatch.Benchmarks.PlateTextBenchmarks).Assembly).Run(args);
