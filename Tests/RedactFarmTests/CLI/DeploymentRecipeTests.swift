import Foundation
@testable import RedactCoordinator
import RedactObservability
@testable import RedactVision
import Testing
import Yams

/// The deployment recipes (Kubernetes manifests, the container build, the systemd units) are
/// run nowhere here: no cluster or container engine is available. So they are checked against
/// what they drive: every command, flag, port, volume, key and metric they name must be one the
/// CLI, the binary and the coordinator actually have, so the recipes cannot drift from the code.
@Suite struct DeploymentRecipeTests {
    static let deploy = Fixtures.packageRoot + "/ops/deploy"
    static let k8s = deploy + "/k8s"

    typealias Object = [String: Any]

    /// Every YAML document under ops/deploy/k8s, with the file it came from.
    static func manifests() throws -> [(file: String, document: Object)] {
        let files = FileManager.default.enumerator(atPath: k8s)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }.sorted()
        var all: [(String, Object)] = []
        for file in files {
            let text = try String(contentsOfFile: k8s + "/" + file, encoding: .utf8)
            for document in try Yams.load_all(yaml: text) {
                guard let object = document as? Object else { Issue.record("\(file): a document that is not a mapping"); continue }
                all.append((file, object))
            }
        }
        return all
    }

    static func resources(_ kind: String) throws -> [Object] {
        try manifests().map(\.document).filter { $0["kind"] as? String == kind }
    }

    /// The pod templates of the workloads, by workload name.
    static func podSpecs() throws -> [String: Object] {
        var specs: [String: Object] = [:]
        for workload in try resources("StatefulSet") + resources("Deployment") {
            let name = (workload["metadata"] as? Object)?["name"] as? String ?? "?"
            let template = (workload["spec"] as? Object)?["template"] as? Object
            specs[name] = template?["spec"] as? Object
        }
        return specs
    }

    /// The `--flags` a subcommand's help lists.
    static func flags(of subcommand: String) throws -> Set<String> {
        let help = try CLI.run(subcommand, "--help")
        #expect(help.status == 0, "redactfarm \(subcommand) --help: \(help.stderr)")
        return Set(help.stdout.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) })
    }

    @Test func everyManifestParsesAndEveryKustomizationNamesWhatExists() throws {
        let all = try Self.manifests()
        #expect(all.count >= 8)
        for (file, document) in all {
            #expect(document["apiVersion"] is String && document["kind"] is String, "\(file)")
            if document["kind"] as? String != "Kustomization" && document["kind"] as? String != "Component" {
                #expect((document["metadata"] as? Object)?["name"] is String, "\(file): no metadata.name")
            }
        }
        for (file, kustomization) in all where ["Kustomization", "Component"].contains(kustomization["kind"] as? String) {
            let folder = (Self.k8s + "/" + file as NSString).deletingLastPathComponent
            let named = (kustomization["resources"] as? [String] ?? []) + (kustomization["components"] as? [String] ?? [])
                + ((kustomization["configMapGenerator"] as? [Object] ?? []).flatMap { $0["files"] as? [String] ?? [] })
            #expect(!named.isEmpty, "\(file) names nothing")
            for path in named { #expect(FileManager.default.fileExists(atPath: folder + "/" + path), "\(file) names \(path), which does not exist") }
        }
        // The base lists every workload and service file beside it.
        let base = try #require(all.first { $0.file == "kustomization.yaml" }?.document["resources"] as? [String])
        let beside = try FileManager.default.contentsOfDirectory(atPath: Self.k8s).filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
        #expect(Set(base) == Set(beside))
    }

    @Test func everyContainerRunsACommandTheCLIHasOnPortsItOpens() throws {
        let specs = try Self.podSpecs()
        #expect(Set(specs.keys) == ["redactfarm-coordinator", "redactfarm-worker"])
        for (workload, spec) in specs {
            let volumes = Set((spec["volumes"] as? [Object] ?? []).compactMap { $0["name"] as? String })
            let claims = try Set(Self.resources("StatefulSet").flatMap { (($0["spec"] as? Object)?["volumeClaimTemplates"] as? [Object]) ?? [] }
                .compactMap { ($0["metadata"] as? Object)?["name"] as? String })
            for container in spec["containers"] as? [Object] ?? [] {
                let args = try #require(container["args"] as? [String], "\(workload): no args")
                let subcommand = try #require(args.first)
                let known = try Self.flags(of: subcommand)
                for arg in args where arg.hasPrefix("--") { #expect(known.contains(arg), "\(workload): redactfarm \(subcommand) has no \(arg)") }
                // $(VAR) in args must be defined in env, or Kubernetes passes it as written.
                let env = Set((container["env"] as? [Object] ?? []).compactMap { $0["name"] as? String })
                for arg in args { for ref in arg.matches(of: /\$\(([A-Z_]+)\)/) { #expect(env.contains(String(ref.output.1)), "\(workload): $(\(ref.output.1)) is not in env") } }
                // Every port it declares is one an argument opens, and the probes ask the
                // metrics address for /healthz or /readyz.
                let ports = container["ports"] as? [Object] ?? []
                var portByName: [String: Int] = [:]
                for port in ports {
                    let number = try #require(port["containerPort"] as? Int)
                    portByName[port["name"] as? String ?? ""] = number
                    #expect(args.contains { $0.hasSuffix(":\(number)") }, "\(workload): port \(number) is opened by no argument")
                }
                let metricsPort = args.firstIndex(of: "--metrics-address").flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
                    .flatMap { try? HTTPAddress.parse($0).get().port }
                #expect(metricsPort != nil, "\(workload): no --metrics-address for its probes")
                for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                    guard let get = (container[probe] as? Object)?["httpGet"] as? Object else {
                        #expect(probe == "startupProbe", "\(workload): no \(probe)")
                        continue
                    }
                    #expect(["/healthz", "/readyz"].contains(get["path"] as? String ?? ""), "\(workload): \(probe) asks \(get["path"] ?? "")")
                    #expect(portByName[get["port"] as? String ?? ""] == metricsPort, "\(workload): \(probe) asks another port than --metrics-address")
                }
                // Every path it is given lies on a volume it mounts (the root filesystem is read-only).
                let mounts = container["volumeMounts"] as? [Object] ?? []
                for mount in mounts {
                    let name = mount["name"] as? String ?? ""
                    #expect(volumes.contains(name) || claims.contains(name), "\(workload): mounts \(name), which is no volume")
                }
                let mountPaths = mounts.compactMap { $0["mountPath"] as? String }
                for arg in args where arg.hasPrefix("/") {
                    #expect(mountPaths.contains { arg.hasPrefix($0 + "/") || arg == $0 }, "\(workload): \(arg) is on no mounted volume")
                }
            }
        }
    }

    @Test func servicesReachNamedPortsOfThePodsTheySelect() throws {
        let workloads = try Self.resources("StatefulSet") + Self.resources("Deployment")
        let services = try Self.resources("Service")
        #expect(services.count == 2)
        for service in services {
            let spec = try #require(service["spec"] as? Object)
            let selector = try #require(spec["selector"] as? [String: String])
            let selected = workloads.filter { workload in
                let labels = (((workload["spec"] as? Object)?["template"] as? Object)?["metadata"] as? Object)?["labels"] as? [String: String] ?? [:]
                return selector.allSatisfy { labels[$0.key] == $0.value }
            }
            #expect(selected.count == 1, "\(selector) selects \(selected.count) workloads")
            let template = (selected.first?["spec"] as? Object)?["template"] as? Object
            let containerPorts = ((template?["spec"] as? Object)?["containers"] as? [Object] ?? []).flatMap { $0["ports"] as? [Object] ?? [] }
            for port in spec["ports"] as? [Object] ?? [] {
                let target = port["targetPort"] as? String ?? ""
                let match = containerPorts.first { $0["name"] as? String == target }
                #expect(match?["containerPort"] as? Int == port["port"] as? Int, "service port \(port["port"] ?? "") reaches \(target)")
            }
        }
        // The workers connect to the service by name, on its work port.
        let worker = try #require(try Self.podSpecs()["redactfarm-worker"]?["containers"] as? [Object]).first?["args"] as? [String] ?? []
        #expect(worker.contains("tcp://redactfarm-coordinator:7460"))
    }

    @Test func everySecretAndConfigMapIsGeneratedOrMadeAsTheReadmeSays() throws {
        let readme = try String(contentsOfFile: Self.k8s + "/README.md", encoding: .utf8)
        let generated = Set(try Self.manifests().flatMap { ($0.document["configMapGenerator"] as? [Object] ?? []).compactMap { $0["name"] as? String } })
        for (workload, spec) in try Self.podSpecs() {
            for volume in spec["volumes"] as? [Object] ?? [] {
                if let secret = (volume["secret"] as? Object)?["secretName"] as? String {
                    #expect(readme.contains("kubectl create secret generic \(secret)"), "\(workload): secret \(secret) is made nowhere")
                }
                if let map = (volume["configMap"] as? Object)?["name"] as? String {
                    #expect(generated.contains(map) || readme.contains("kubectl create configmap \(map)"), "\(workload): config map \(map) is made nowhere")
                }
                if let claim = (volume["persistentVolumeClaim"] as? Object)?["claimName"] as? String {
                    #expect(readme.contains("`\(claim)`"), "\(workload): claim \(claim) is not explained")
                }
            }
        }
        // The key files the pods read are the ones `keygen` writes and the README puts there.
        #expect(readme.contains("--from-file=coordinator.key") && readme.contains("--from-file=worker.key") && readme.contains("--from-file=coordinator.pub"))
    }

    @Test func gracePeriodsAreTheSystemdUnitsStopTimeouts() throws {
        func timeout(_ unit: String) throws -> Int? {
            let text = try String(contentsOfFile: Self.deploy + "/" + unit, encoding: .utf8)
            return text.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }.flatMap { Int($0.dropFirst("TimeoutStopSec=".count)) }
        }
        let specs = try Self.podSpecs()
        #expect(specs["redactfarm-coordinator"]?["terminationGracePeriodSeconds"] as? Int == (try timeout("redactfarm-coordinator.service")))
        #expect(specs["redactfarm-worker"]?["terminationGracePeriodSeconds"] as? Int == (try timeout("redactfarm-worker@.service")))
    }

    @Test func autoscalersScaleTheWorkersOnMetricsTheCoordinatorExports() throws {
        let exposition = String(decoding: CoordinatorMetrics(registry: MetricsRegistry()).registry.exposition(), as: UTF8.self)
        let exported = Set(exposition.matches(of: #/\# TYPE (\w+) /#).map { String($0.output.1) })
        let scaled = try #require(try Self.resources("ScaledObject").first?["spec"] as? Object)
        #expect((scaled["scaleTargetRef"] as? Object)?["name"] as? String == "redactfarm-worker")
        for trigger in scaled["triggers"] as? [Object] ?? [] {
            let query = (trigger["metadata"] as? Object)?["query"] as? String ?? ""
            let names = query.matches(of: /redactfarm_\w+/).map { String($0.output) }
            #expect(!names.isEmpty && names.allSatisfy(exported.contains), "\(query) against \(exported.sorted())")
            for series in query.matches(of: /(redactfarm_\w+)\{([^}]*)\}/) {
                #expect(exposition.contains("\(series.output.1){\(series.output.2)}"), "no series \(series.output.0)")
            }
        }
        let hpa = try #require(try Self.resources("HorizontalPodAutoscaler").first?["spec"] as? Object)
        #expect((hpa["scaleTargetRef"] as? Object)?["name"] as? String == "redactfarm-worker")
        for metric in hpa["metrics"] as? [Object] ?? [] {
            let external = try #require((metric["external"] as? Object)?["metric"] as? Object)
            let name = try #require(external["name"] as? String)
            #expect(exported.contains(name), "\(name)")
            for (label, value) in (external["selector"] as? Object)?["matchLabels"] as? [String: String] ?? [:] {
                #expect(exposition.contains("\(name){\(label)=\"\(value)\"}"), "no series \(name){\(label)=\"\(value)\"}")
            }
        }
    }

    @Test func systemdUnitsUseOnlyWhatTheCLIHasAndSays() throws {
        for unit in ["redactfarm-coordinator.service", "redactfarm-worker@.service"] {
            let text = try String(contentsOfFile: Self.deploy + "/" + unit, encoding: .utf8)
            let exec = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
            let words = exec.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
            #expect(words.first == "/usr/local/bin/redactfarm", "the path `make install` puts it at")
            let subcommand = words[1]
            let known = try Self.flags(of: subcommand)
            for word in words where word.hasPrefix("--") { #expect(known.contains(word), "\(unit): redactfarm \(subcommand) has no \(word)") }
            // Every variable a unit sets is one the command's help explains.
            let help = try CLI.run(subcommand, "--help").stdout
            for line in text.split(separator: "\n") where line.hasPrefix("Environment=") {
                let name = String(line.dropFirst("Environment=".count).prefix { $0 != "=" })
                #expect(help.contains(name), "\(unit) sets \(name), which `redactfarm \(subcommand) --help` never mentions")
            }
        }
    }

    @Test func theImageIsBuiltAsSetupBuildsAndHoldsWhatTheBinaryLinks() throws {
        let recipe = try String(contentsOfFile: Self.deploy + "/Containerfile", encoding: .utf8)
        #expect(recipe.contains("RUN bash ops/setup.sh"), "the build stage installs what setup installs by running it")
        #expect(recipe.contains("--static-swift-stdlib"), "the run stage has no Swift toolchain")
        #expect(recipe.contains("bash ops/install.sh /opt/redactfarm") && recipe.contains("COPY --from=build /opt/redactfarm /opt/redactfarm"))
        // The pinned models setup fetches are the ones the binary loads (install.sh copies
        // every .onnx of the lock).
        let lock = try String(contentsOfFile: Fixtures.packageRoot + "/ops/assets.lock", encoding: .utf8)
        let models = Set(lock.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").first }.filter { $0.hasSuffix(".onnx") }.map(String.init))
        #expect(models == [PinnedModel.centerFace.fileName, PinnedModel.textDetector.fileName])
        // The int8 face model setup makes is pinned there as the binary pins it, and installed.
        let int8 = PinnedModel.centerFaceInt8, weights = try #require(int8.weights)
        let fetch = try String(contentsOfFile: Fixtures.packageRoot + "/ops/fetch-assets.sh", encoding: .utf8)
        #expect(fetch.contains("int8_xml_sha=\(int8.sha256)") && fetch.contains("int8_bin_sha=\(weights.sha256)"),
                "ops/fetch-assets.sh and PinnedModel.centerFaceInt8 pin different bytes")
        let install = try String(contentsOfFile: Fixtures.packageRoot + "/ops/install.sh", encoding: .utf8)
        #expect(install.contains("for model in \(int8.fileName) \(weights.fileName); do"))

        // The run stage's packages hold every shared library the binary needs that neither the
        // base image (libc, libstdc++), nor the Swift runtime (linked statically there), nor
        // OpenVINO (installed beside it) provides.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-query") else {
            return  // not a Debian system: which package holds a library cannot be asked
        }
        let installLine = recipe.split(separator: "\n").drop { !$0.contains("apt-get install") }.prefix(3).joined(separator: " ")
        let runtime = Set(installLine.split(separator: " ").map(String.init).filter { $0.first?.isLetter == true && $0.contains("lib") })
        let needed = try Subprocess.run("readelf", ["-d", CLI.binary])
        let libraries = String(decoding: needed.stdout, as: UTF8.self).matches(of: /\(NEEDED\)\s+Shared library: \[([^\]]+)\]/).map { String($0.output.1) }
        #expect(libraries.contains { $0.hasPrefix("libavformat") })
        let cache = String(decoding: try Subprocess.run("/sbin/ldconfig", ["-p"]).stdout, as: UTF8.self)
        for library in libraries where !library.hasPrefix("libswift") && !library.hasPrefix("libFoundation") && !library.hasPrefix("libopenvino")
            && !["libdispatch.so", "libBlocksRuntime.so"].contains(library) {
            guard let path = cache.split(separator: "\n").first(where: { $0.contains("\(library) (") })?.components(separatedBy: " => ").last else {
                Issue.record("\(library) is not in the linker cache")
                continue
            }
            var owner = try Subprocess.run("dpkg-query", ["-S", path])
            if owner.status != 0 { owner = try Subprocess.run("dpkg-query", ["-S", "/usr" + path]) }
            let package = String(decoding: owner.stdout, as: UTF8.self).split(separator: ":").first.map(String.init) ?? ""
            if ["libc6", "libstdc++6", "libgcc-s1"].contains(package) { continue }
            #expect(runtime.contains(package), "\(library) comes from \(package), which the image does not install (\(runtime.sorted()))")
        }
    }
}
