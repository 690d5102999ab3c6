// swift-tools-version:6.1
import PackageDescription

// Layers, bottom up (see README): C shims → LetheTensor → LetheTelemetry → LetheIO / LetheDistributed →
// LetheModels → LetheDiffusion → LetheTraining → LetheErasure → lethe (CLI); LetheWorld (on LetheTensor, LetheIO).
let package = Package(
    name: "Lethe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lethe", targets: ["lethe"]),
        .library(name: "LetheTensor", targets: ["LetheTensor"]),
        .library(name: "LetheTelemetry", targets: ["LetheTelemetry"]),
        .library(name: "LetheIO", targets: ["LetheIO"]),
        .library(name: "LetheDistributed", targets: ["LetheDistributed"]),
        .library(name: "LetheModels", targets: ["LetheModels"]),
        .library(name: "LetheDiffusion", targets: ["LetheDiffusion"]),
        .library(name: "LetheTraining", targets: ["LetheTraining"]),
        .library(name: "LetheCheckpoint", targets: ["LetheCheckpoint"]),
        .library(name: "LetheErasure", targets: ["LetheErasure"]),
        .library(name: "LetheWorld", targets: ["LetheWorld"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System libraries, found with pkg-config; each module map wraps our own shim.h.
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),

        // AVX2 kernels chosen at run time (see include/lethe_kernels.h).
        .target(name: "CLetheKernels"),
        .target(name: "LetheTensor", dependencies: ["COpenBLAS", "CLetheKernels"]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]),

        // Spans, the trace, per-step timings and the watchdog: what a running job records about itself.
        .target(name: "LetheTelemetry", dependencies: ["LetheTensor"]),
        .target(
            name: "LetheIO",
            dependencies: [
                "LetheTensor", "LetheTelemetry", "CZstd", "CPNG", "CJPEG", .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "LetheDistributed", dependencies: ["CMPI", "LetheTelemetry"]),
        .target(name: "LetheModels", dependencies: ["LetheTensor", "LetheIO"], resources: [.copy("Resources")]),
        .target(name: "LetheDiffusion", dependencies: ["LetheTensor", "LetheIO", "LetheModels"]),
        .target(
            name: "LetheCheckpoint",
            dependencies: [
                "LetheTensor", "LetheIO", "LetheDistributed", "LetheTelemetry", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "LetheTraining", dependencies: ["LetheTensor", "LetheIO", "LetheModels", "LetheDiffusion", "LetheTelemetry"]),
        .target(
            name: "LetheErasure",
            dependencies: [
                "LetheTensor", "LetheIO", "LetheDistributed", "LetheModels", "LetheDiffusion", "LetheTraining", "LetheCheckpoint",
                "LetheTelemetry",
            ]),
        // The synthetic world: its vocabulary, artists' styles, the rasteriser and the captioned image set; the
        // training of its model and its judge.
        .target(
            name: "LetheWorld",
            dependencies: [
                "LetheTensor", "LetheIO", "LetheDistributed", "LetheModels", "LetheDiffusion", "LetheTraining",
                "LetheCheckpoint", "LetheTelemetry", "LetheErasure",
            ],
            // What ships with Lethe: the world's model (Resources/model, a diffusers folder with its world_recipe.json),
            // the default of every --model, and the trained judge (Resources/judge: config.json and model.safetensors).
            resources: [.copy("Resources")]),
        .executableTarget(
            name: "lethe",
            dependencies: [
                "LetheTensor", "LetheIO", "LetheDistributed", "LetheModels", "LetheDiffusion", "LetheTraining",
                "LetheErasure", "LetheCheckpoint", "LetheTelemetry", "LetheWorld", "COpenBLAS", "CZstd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),

        // What the test targets share: the fixture locator and the error measure (a library only tests depend on).
        .target(name: "LetheTestSupport", dependencies: ["LetheTensor", "LetheIO"], path: "Tests/LetheTestSupport"),
        .testTarget(name: "LetheTensorTests", dependencies: ["LetheTensor", "LetheTestSupport"]),
        .testTarget(
            name: "LetheIOTests", dependencies: ["LetheIO", "LetheTensor", "LetheTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "LetheTelemetryTests", dependencies: ["LetheTelemetry"]),
        .testTarget(name: "LetheDistributedTests", dependencies: ["LetheDistributed"]),
        .testTarget(
            name: "LetheCheckpointTests",
            dependencies: ["LetheCheckpoint", "LetheDistributed", "LetheIO", "LetheTensor", "LetheTestSupport"]),
        .testTarget(
            name: "LetheModelsTests", dependencies: ["LetheModels", "LetheIO", "LetheTensor", "LetheTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "LetheDiffusionTests",
            dependencies: ["LetheDiffusion", "LetheModels", "LetheIO", "LetheTensor", "LetheTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "LetheTrainingTests",
            dependencies: ["LetheTraining", "LetheDiffusion", "LetheModels", "LetheIO", "LetheTensor", "LetheTestSupport"]),
        .testTarget(
            name: "LetheErasureTests",
            dependencies: [
                "LetheErasure", "LetheTraining", "LetheDistributed", "LetheDiffusion", "LetheModels", "LetheIO", "LetheTensor",
                "LetheCheckpoint", "LetheTelemetry", "LetheTestSupport",
            ]),
        .testTarget(
            name: "LetheWorldTests",
            dependencies: [
                "LetheWorld", "LetheErasure", "LetheTraining", "LetheDistributed", "LetheModels", "LetheIO", "LetheTensor",
                "LetheTestSupport",
            ]),
        // Run by Scripts/test.sh under `mpirun -np N`: checks every collective on every rank.
        .executableTarget(
            name: "lethe-mpi-check", dependencies: ["LetheDistributed"], path: "Tests/MPICheck"),

        // libFuzzer targets, built and run by Scripts/fuzz.sh with -sanitize=fuzzer and -D LETHE_FUZZ; a plain
        // build makes each a driver that replays the input files it is given.
        .target(name: "CLibFuzzer", path: "Tests/Fuzz/CLibFuzzer"),
        .target(name: "LetheFuzzSupport", dependencies: ["CLibFuzzer"], path: "Tests/Fuzz/Support"),
        .executableTarget(
            name: "fuzz-safetensors", dependencies: ["LetheFuzzSupport", "LetheIO"], path: "Tests/Fuzz/SafeTensors"),
        .executableTarget(
            name: "fuzz-tokenizer", dependencies: ["LetheFuzzSupport", "LetheModels"], path: "Tests/Fuzz/Tokenizer"),
        .executableTarget(name: "fuzz-image", dependencies: ["LetheFuzzSupport", "LetheIO"], path: "Tests/Fuzz/Image"),
        .executableTarget(
            name: "fuzz-job-config", dependencies: ["LetheFuzzSupport", "LetheIO"], path: "Tests/Fuzz/JobConfig"),
        .executableTarget(
            name: "fuzz-diffusers-config", dependencies: ["LetheFuzzSupport", "LetheModels", "LetheDiffusion"],
            path: "Tests/Fuzz/DiffusersConfig"),
    ],
    swiftLanguageModes: [.v6]
)
