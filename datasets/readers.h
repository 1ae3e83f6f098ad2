#pragma once
// The file-format readers behind the catalog's kinds "cifar", "image_folder" and "csv". Each
// opens a whole dataset (its train and, where the files hold one, test split) and fails with
// a user error naming the offending file; none crashes on a truncated or corrupt file.

#include "base/expected.h"
#include "datasets/dataset.h"
#include "datasets/vocabulary.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nw::datasets {

struct TrainTest {
    std::string name;   // for the splits' names ("cifar-10-batches-bin")
    std::string format; // "idx", "cifar-10", "cifar-100", "image_folder", "csv"
    std::shared_ptr<Dataset> train;
    std::shared_ptr<Dataset> test;     // null when the files hold no test split
    std::vector<std::string> warnings; // files skipped, each "path: why"
    // Text corpora: the vocabulary that turns token ids into text; null for other formats.
    std::shared_ptr<const CharVocabulary> vocabulary;
};

// CIFAR binary batches. `folder` (or its sub-folder cifar-10-batches-bin / cifar-100-binary)
// holds either CIFAR-10's data_batch_1.bin ... data_batch_5.bin (those present, at least
// data_batch_1.bin) and test_batch.bin, records of 1 label byte + 3072 pixel bytes; or
// CIFAR-100's train.bin and test.bin, records of a coarse and a fine label byte + 3072 pixel
// bytes (the fine label, 100 classes, is the label; the coarse one is checked < 20 and not
// used). Pixels are [3, 32, 32], R, G then B planes. Class names come from batches.meta.txt
// (CIFAR-10) or fine_label_names.txt (CIFAR-100), one per line, when present.
// A file that is not a whole number of records, or a label out of range, is refused.
bool isCifarFolder(const std::filesystem::path& folder);
Expected<TrainTest> openCifarFolder(const std::filesystem::path& folder);

// Image folders: `folder`/<class>/<image> with one sub-folder per class (sorted by name, the
// label is the position), or `folder`/train/<class>/... and `folder`/test/<class>/... for a
// separate test split (without one, test is null; a validation split is still held out by
// openDataset()). Images (.png, .jpg, .jpeg, .bmp, any case) are decoded with OpenCV, all of
// them at open time, and kept as bytes. The first readable image (in sorted order) decides
// the sample shape: 1 channel when it is greyscale (with or without alpha), else 3 (R, G, B;
// alpha dropped); every
// other image is converted to those channels and, when its size differs, resized to the
// first's (INTER_AREA). Unreadable images are skipped and listed in `warnings`; a folder
// with no readable image, or more than 256 classes, is refused.
Expected<TrainTest> openImageFolder(const std::filesystem::path& folder);

// CSV tables: `path` is a .csv file (the train split; test null) or a folder holding
// train.csv and optionally test.csv. The first line is the header. The label column is the
// one named "label" (any case), else the last; every other column is a numeric feature
// (parsed as a double, kept as it is: not scaled to [0, 1], use dataset.normalization).
// Labels that are all non-negative integers are the class indices (classes 0 ... max);
// otherwise they are names, classes sorted by name (the test split must use the train
// split's names). Samples are [F] with F features: they feed a Dense directly (a Flatten in
// front is a no-op). Cells may be quoted ("..."), without commas inside. An empty or
// non-numeric cell, or a line with another number of cells, is refused naming the line and
// column.
Expected<TrainTest> openCsv(const std::filesystem::path& path);

// Text corpora for language models: `path` is a text file, or a folder whose regular files
// (recursively, sorted by path, each read once however many links reach it) are joined in
// that order; a file holding a NUL byte is not text and is skipped with a warning. The text is
// read as UTF-8 characters (decodeUtf8: invalid bytes read as Latin-1). The vocabulary is its
// distinct characters (CharVocabulary::fromText, at least 2). Sample k is the ids of
// characters [k·T, k·T + T) as floats ([T]); its targets (Dataset::readTargets, [T]) are the
// ids of [k·T + 1, k·T + T + 1): the next character at every step. (L - 1) / T samples for L
// characters; a corpus shorter than T + 1 characters is refused. No test split.
Expected<TrainTest> openTextCorpus(const std::filesystem::path& path,
                                   std::int64_t sequenceLength);

} // namespace nw::datasets
