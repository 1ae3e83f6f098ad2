#pragma once
// Opens the dataset a project names (graph::DatasetRef): the built-ins (Debian's dataset
// packages), IDX folders, CIFAR batches, image folders and CSV tables (readers.h), and the
// validation split held out of the training data.

#include "base/expected.h"
#include "datasets/dataset.h"
#include "datasets/vocabulary.h"
#include "graph/project.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nw::datasets {

struct DatasetSplits {
    std::string format; // "idx", "cifar-10", "cifar-100", "image_folder", "csv", "text"
    std::vector<std::string> warnings; // files the reader skipped, "path: why"
    std::shared_ptr<Dataset> train;
    std::shared_ptr<Dataset> validation; // null when validationSplit == 0
    std::shared_ptr<Dataset> test;       // null when the files hold no test split (see readers.h)
    // Text corpora: the vocabulary of token ids; null for other formats.
    std::shared_ptr<const CharVocabulary> vocabulary;
};

// Names accepted by kind "builtin" ("fashion-mnist").
std::vector<std::string> builtinDatasetNames();

// Where built-in datasets live: $NETWRIGHT_DATASETS_DIR when set and not empty, else
// /usr/share/datasets (Debian's dataset-* packages). Each has a sub-folder by name.
std::filesystem::path builtinDatasetsRoot();

// Opens `ref`; a relative ref.path is relative to projectDir.
//  - "builtin": a name from builtinDatasetNames(), read from builtinDatasetsRoot()/<name>/.
//  - "idx": ref.path is a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
//    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or with ".gz".
//  - "cifar", "image_folder", "csv", "text": ref.path is read by openCifarFolder(),
//    openImageFolder(), openCsv() or openTextCorpus() with ref.sequenceLength (readers.h:
//    layouts, shapes, what is refused).
//  - the built-in "fortunes" is a text corpus: Debian's fortunes package
//    (/usr/share/games/fortunes).
// validationSplit in (0, 0.9]: the training data is permuted with shuffledIndices(n,
// CounterRng(0, streamId("validation_split")), 0) and the last round(split * n) samples of
// that permutation (at least 1, at most n - 1) become `validation`, the others `train`; both
// are SubsetDatasets listing their samples in the original order. The split depends only on
// the training set's size and the fraction, never on the run's seed.
// Errors are user errors naming the file or field.
Expected<DatasetSplits> openDataset(const graph::DatasetRef& ref,
                                    const std::filesystem::path& projectDir);

// A DatasetRef for a command-line SPEC: a built-in name ("fashion-mnist"), a .csv file, a .txt
// file ("text"), or a folder whose contents decide the kind: IDX files -> "idx", CIFAR
// batches -> "cifar", train.csv -> "csv", else "image_folder". The path is made absolute.
Expected<graph::DatasetRef> datasetRefForSpec(const std::string& spec);

} // namespace nw::datasets
