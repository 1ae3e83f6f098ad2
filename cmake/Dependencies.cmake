# Required dependencies (Debian packages; see README.md and scripts/setup.sh). The CLI
# and the core libraries need no Qt; Qt 6 Core and Test are found by tests/.
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)

# Optional: the Qt GUI.
# Qt Charts (the Train and Experiments modes) needs Qt's OpenGL CMake files
# (libqt6opengl6-dev), which qt6-charts-dev does not pull in.
find_package(Qt6 QUIET COMPONENTS Gui Widgets Svg Charts)
if(Qt6Widgets_FOUND AND Qt6Gui_FOUND AND Qt6Charts_FOUND)
    set(_gui_found TRUE)
else()
    set(_gui_found FALSE)
endif()
nw_resolve_option(NW_WITH_GUI ${_gui_found}
                  "Qt 6 Widgets or Charts not found (qt6-base-dev, qt6-charts-dev, libqt6opengl6-dev)"
                  NW_GUI_ENABLED)

# Optional: CUDA with cuDNN (CUDA 13 and cuDNN 9 live under /usr/local/cuda).
set(_cuda_found FALSE)
set(_cuda_reason "nvcc not found (looked on PATH and in /usr/local/cuda/bin)")
if(NOT NW_WITH_CUDA STREQUAL "OFF")
    if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
        set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
    endif()
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
        find_package(CUDAToolkit QUIET)
        find_path(NW_CUDNN_INCLUDE_DIR cudnn.h
                  HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include /usr/include)
        find_library(NW_CUDNN_LIBRARY cudnn
                     HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64 /usr/local/cuda/lib)
        if(CUDAToolkit_FOUND AND NW_CUDNN_INCLUDE_DIR AND NW_CUDNN_LIBRARY)
            set(_cuda_found TRUE)
        else()
            set(_cuda_reason "CUDA toolkit found but cuDNN (cudnn.h, libcudnn) is missing")
        endif()
    endif()
endif()
nw_resolve_option(NW_WITH_CUDA ${_cuda_found} "${_cuda_reason}" NW_CUDA_ENABLED)
if(NW_CUDA_ENABLED)
    # Ampere (A100) and Hopper (H100, H200) machine code, plus compute_90 PTX that newer GPUs
    # compile when the program starts. One architecture builds faster: -DCMAKE_CUDA_ARCHITECTURES=90.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
        set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
    endif()
    enable_language(CUDA)
    # CMake 3.25 knows no C++20 flag for nvcc (nvcc 12 and later take -std=c++20); our
    # libraries ask for C++20 (cxx_std_20), which reaches the CUDA sources too.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
        set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
        set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
endif()

# Optional: Vulkan with glslc to compile compute shaders to SPIR-V.
find_package(Vulkan QUIET)
find_program(NW_GLSLC glslc)
if(Vulkan_FOUND AND NW_GLSLC)
    set(_vk_found TRUE)
else()
    set(_vk_found FALSE)
endif()
nw_resolve_option(NW_WITH_VULKAN ${_vk_found} "Vulkan loader (libvulkan-dev) or glslc not found"
                  NW_VULKAN_ENABLED)

# Optional: MPI (Debian's OpenMPI, libopenmpi-dev) for data-parallel training across processes
# and machines (engine/distributed).
if(NOT NW_WITH_MPI STREQUAL "OFF")
    find_package(MPI QUIET COMPONENTS C)
endif()
nw_resolve_option(NW_WITH_MPI "${MPI_C_FOUND}" "MPI (libopenmpi-dev) not found" NW_MPI_ENABLED)


# Optional: NCCL between GPUs (under /usr/local/cuda): needs the CUDA backend and MPI, which
# carries NCCL's unique id from rank 0 to the others (gpu/cuda/nccl_communicator).
find_path(NW_NCCL_INCLUDE_DIR nccl.h HINTS /usr/local/cuda/include)
find_library(NW_NCCL_LIBRARY nccl HINTS /usr/local/cuda/lib64 /usr/local/cuda/lib)
if(NOT NW_CUDA_ENABLED OR NOT NW_MPI_ENABLED)
    set(_nccl_found FALSE)
    set(_nccl_reason "needs the CUDA backend and MPI")
elseif(NW_NCCL_INCLUDE_DIR AND NW_NCCL_LIBRARY)
    set(_nccl_found TRUE)
    set(_nccl_reason "")
else()
    set(_nccl_found FALSE)
    set(_nccl_reason "nccl.h or libnccl not found")
endif()
nw_resolve_option(NW_WITH_NCCL ${_nccl_found} "${_nccl_reason}" NW_NCCL_ENABLED)
