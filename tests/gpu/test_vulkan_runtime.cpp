// The Vulkan runtime under the kernels: device listing, the sub-allocator (sharing blocks,
// deferred reuse, tensors past maxStorageBufferRange), barriers only where data flows, the
// pipeline cache on disk, out-of-memory as a user error, and a silent validation layer.
// Runs on lavapipe here; skips only where no Vulkan device exists at all.
#include "engine/core/backend_registry.h"
#include "gpu/vulkan/runtime/instance.h"
#include "gpu/vulkan/vulkan_backend.h"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

using namespace nw;
using namespace nw::engine;
using gpu::vulkan::VulkanBackend;

namespace {

std::vector<float> download(Backend& b, const Tensor& t) {
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    if (!b.copyToHost(t, v.data()).ok() || !b.synchronize().ok()) {
        v.clear();
    }
    return v;
}

} // namespace

class TestVulkanRuntime : public QObject {
    Q_OBJECT

    BackendRegistry m_registry;
    std::unique_ptr<Backend> m_backend;
    VulkanBackend* vk() { return static_cast<VulkanBackend*>(m_backend.get()); }

private slots:
    void initTestCase() {
        registerVulkanBackend(m_registry);
        if (m_registry.availableDevices().empty()) {
            QSKIP(qPrintable(QString::fromStdString("no Vulkan device: " +
                                                    m_registry.absentBackends().at(0).reason)));
        }
        auto b = m_registry.openBackend("vulkan:0");
        QVERIFY2(b, b ? "" : b.error().message.c_str());
        m_backend = std::move(*b);
    }

    void listsDevices() {
        auto devices = m_registry.availableDevices();
        QCOMPARE(devices[0].id, std::string("vulkan:0"));
        QVERIFY(!devices[0].name.empty());
        QVERIFY(devices[0].driver.find("Vulkan") != std::string::npos);
        QVERIFY(devices[0].memoryBytes > 0);
        QVERIFY(m_backend->description().find(devices[0].name) != std::string::npos);
    }

    void smallTensorsShareBlocksAndAreReused() {
        std::size_t before = m_backend->bytesInUse();
        VkDeviceAddress first = 0;
        {
            std::vector<Tensor> ts;
            for (int i = 0; i < 100; ++i) {
                auto t = m_backend->allocate({1000}, DType::F32);
                QVERIFY(t);
                QCOMPARE(VulkanBackend::address(*t) % m_backend->alignment(), VkDeviceAddress(0));
                ts.push_back(*t);
            }
            first = VulkanBackend::address(ts[0]);
            QVERIFY(m_backend->bytesInUse() >= before + 100 * 4000);
        }
        QVERIFY(m_backend->synchronize().ok()); // the deferred frees are collected
        QCOMPARE(m_backend->bytesInUse(), before);
        auto again = m_backend->allocate({1000}, DType::F32);
        QVERIFY(again);
        QCOMPARE(VulkanBackend::address(*again), first);
    }

    // 160 MiB in one tensor: larger than lavapipe's maxStorageBufferRange (128 MiB), which
    // binds no tensor here (kernels reach memory by device address).
    void handlesTensorsPastTheStorageBufferRange() {
        const std::int64_t n = 40 * 1024 * 1024;
        auto t = m_backend->allocate({n}, DType::F32);
        auto u = m_backend->allocate({n}, DType::F32);
        QVERIFY(t && u);
        QVERIFY(m_backend->fill(*t, 1.5f).ok());
        QVERIFY(m_backend->fill(*u, 2.0f).ok());
        QVERIFY(m_backend->addInto(*t, *u).ok());
        QVERIFY(m_backend->scale(*t, 2.0f).ok());
        auto v = download(*m_backend, *t);
        QCOMPARE(v.size(), std::size_t(n));
        QCOMPARE(v.front(), 7.0f);
        QCOMPARE(v[std::size_t(n / 2) + 3], 7.0f);
        QCOMPARE(v.back(), 7.0f);
        auto sum = m_backend->sumOfSquares(std::span<const Tensor>(&*u, 1));
        QVERIFY(sum);
        QCOMPARE(*sum, 4.0 * double(n));
    }

    void barriersOnlyWhereDataFlows() {
        auto a = m_backend->allocate({4096}, DType::F32);
        auto b = m_backend->allocate({4096}, DType::F32);
        QVERIFY(a && b);
        QVERIFY(m_backend->synchronize().ok());
        auto before = vk()->barriers();
        QVERIFY(m_backend->fill(*a, 1.0f).ok());
        QVERIFY(m_backend->fill(*b, 2.0f).ok()); // independent: no barrier
        QCOMPARE(vk()->barriers(), before);
        QVERIFY(m_backend->addInto(*a, *b).ok()); // reads both fills: one barrier
        QCOMPARE(vk()->barriers(), before + 1);
        QVERIFY(m_backend->scale(*b, 3.0f).ok()); // writes what addInto read: one more
        QCOMPARE(vk()->barriers(), before + 2);
        auto v = download(*m_backend, *a);
        QCOMPARE(v.at(17), 3.0f);
        QCOMPARE(download(*m_backend, *b).at(17), 6.0f);
    }

    void savesThePipelineCache() {
        QTemporaryDir dir;
        qputenv("XDG_CACHE_HOME", dir.path().toUtf8());
        std::string path;
        {
            auto b = m_registry.openBackend("vulkan:0");
            QVERIFY(b);
            auto* backend = static_cast<VulkanBackend*>(b->get());
            path = backend->pipelineCachePath();
            QVERIFY(path.find(dir.path().toStdString()) == 0);
            auto t = backend->allocate({16}, DType::F32);
            QVERIFY(t && backend->fill(*t, 1.0f).ok() && backend->synchronize().ok());
        }
        qunsetenv("XDG_CACHE_HOME");
        QVERIFY2(std::filesystem::exists(path), path.c_str());
        QVERIFY(std::filesystem::file_size(path) > 0);
    }

    void outOfMemoryIsAUserError() {
        auto t = m_backend->allocate({std::int64_t(1) << 40}, DType::F32); // 4 TiB
        QVERIFY(!t);
        QCOMPARE(t.error().kind, Error::Kind::User);
        QVERIFY2(t.error().message.find("out of memory") != std::string::npos,
                 t.error().message.c_str());
        // The backend still works afterwards.
        auto small = m_backend->allocate({4}, DType::F32);
        QVERIFY(small && m_backend->fill(*small, 5.0f).ok());
        QCOMPARE(download(*m_backend, *small).at(3), 5.0f);
    }

    void cleanupTestCase() {
        m_backend.reset();
        if (gpu::vulkan::Instance::get() && (*gpu::vulkan::Instance::get())->validation()) {
            QCOMPARE(gpu::vulkan::Instance::validationMessages(), std::uint64_t(0));
        }
    }
};

QTEST_GUILESS_MAIN(TestVulkanRuntime)
#include "test_vulkan_runtime.moc"
