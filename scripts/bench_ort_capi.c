/* onnxruntime timed through its C API, without Python: part of scripts/bench-engine-vs-ort.sh,
 * run by scripts/bench_ort.py (`time --capi`). It links the libonnxruntime.so that the PyPI wheel
 * ships (the same build the Python side times) and declares the few entry points it calls itself,
 * since the wheel has no C header: their positions in the OrtApi table, which onnxruntime only
 * ever appends to (onnxruntime_c_api.h, API version 13).
 *
 *   bench_ort_capi MODEL INPUT.bin IN_DIMS IN_TYPE OUT_DIMS OUT_TYPE RUNS WARMUP THREADS OUTPUT.bin
 *
 * DIMS are comma-separated, TYPE an ONNX element type (1 f32, 3 i8, 6 i32). Runs the model on the
 * input bytes, with the input and output tensors bound once; times each OrtApi::Run with
 * CLOCK_MONOTONIC, one at a time; prints "median p10 p90 min" in µs (nearest rank) and writes the
 * output bytes to OUTPUT.bin. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *Status; /* OrtStatus*, NULL on success */
typedef struct {
	const void *const *(*GetApi)(uint32_t version);
	const char *(*GetVersionString)(void);
} OrtApiBase;
extern const OrtApiBase *OrtGetApiBase(void);

/* Positions in struct OrtApi. */
enum {
	GET_ERROR_MESSAGE = 2,
	CREATE_ENV = 3,
	CREATE_SESSION = 7,
	RUN = 9,
	CREATE_SESSION_OPTIONS = 10,
	SET_INTRA_OP_NUM_THREADS = 24,
	SET_INTER_OP_NUM_THREADS = 25,
	SESSION_GET_INPUT_NAME = 36,
	SESSION_GET_OUTPUT_NAME = 37,
	CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49,
	CREATE_CPU_MEMORY_INFO = 69,
	GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78,
};

static const void *const *api;

static void check(Status status, const char *what) {
	if (status) {
		const char *(*message)(Status) = (const char *(*)(Status))api[GET_ERROR_MESSAGE];
		fprintf(stderr, "bench_ort_capi: %s: %s\n", what, message(status));
		exit(1);
	}
}

static void *read_file(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0) {
		perror(path);
		exit(1);
	}
	*len = (size_t)ftell(f);
	rewind(f);
	void *bytes = malloc(*len ? *len : 1);
	if (!bytes || fread(bytes, 1, *len, f) != *len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return bytes;
}

/* Parses "1,784" into dims; returns the element count. */
static size_t parse_dims(const char *text, int64_t *dims, size_t *rank) {
	size_t elements = 1;
	*rank = 0;
	for (const char *p = text; *p && *rank < 8; (*rank)++) {
		char *end;
		dims[*rank] = strtoll(p, &end, 10);
		elements *= (size_t)dims[*rank];
		p = *end == ',' ? end + 1 : end;
	}
	return elements;
}

static size_t element_size(int type) {
	return type == 3 ? 1 : 4;
}

static double now_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q) {
	return sorted[(int)(q * (n - 1) + 0.5)];
}

int main(int argc, char **argv) {
	if (argc != 11) {
		fprintf(stderr, "usage: bench_ort_capi MODEL INPUT.bin IN_DIMS IN_TYPE OUT_DIMS OUT_TYPE "
		                "RUNS WARMUP THREADS OUTPUT.bin\n");
		return 2;
	}
	int in_type = atoi(argv[4]), out_type = atoi(argv[6]);
	int runs = atoi(argv[7]), warmup = atoi(argv[8]), threads = atoi(argv[9]);
	if (runs < 1) {
		fprintf(stderr, "bench_ort_capi: RUNS must be at least 1\n");
		return 2;
	}
	api = OrtGetApiBase()->GetApi(13);
	if (!api) {
		fprintf(stderr, "bench_ort_capi: this onnxruntime has no C API version 13\n");
		return 1;
	}
	void *env, *options, *session, *memory, *allocator, *input, *output;
	check(((Status(*)(int, const char *, void **))api[CREATE_ENV])(3, "bench", &env), "env");
	check(((Status(*)(void **))api[CREATE_SESSION_OPTIONS])(&options), "options");
	check(((Status(*)(void *, int))api[SET_INTRA_OP_NUM_THREADS])(options, threads), "threads");
	check(((Status(*)(void *, int))api[SET_INTER_OP_NUM_THREADS])(options, 1), "threads");
	check(((Status(*)(void *, const char *, void *, void **))api[CREATE_SESSION])(
	          env, argv[1], options, &session),
	      "session");
	check(((Status(*)(void **))api[GET_ALLOCATOR_WITH_DEFAULT_OPTIONS])(&allocator), "allocator");
	char *in_name, *out_name;
	Status (*name_of)(void *, size_t, void *, char **) =
	    (Status(*)(void *, size_t, void *, char **))api[SESSION_GET_INPUT_NAME];
	check(name_of(session, 0, allocator, &in_name), "input name");
	name_of = (Status(*)(void *, size_t, void *, char **))api[SESSION_GET_OUTPUT_NAME];
	check(name_of(session, 0, allocator, &out_name), "output name");

	int64_t in_dims[8], out_dims[8];
	size_t in_rank, out_rank, in_len;
	size_t in_bytes = parse_dims(argv[3], in_dims, &in_rank) * element_size(in_type);
	size_t out_bytes = parse_dims(argv[5], out_dims, &out_rank) * element_size(out_type);
	void *x = read_file(argv[2], &in_len);
	void *y = calloc(out_bytes ? out_bytes : 1, 1);
	if (in_len != in_bytes || !y) {
		fprintf(stderr, "bench_ort_capi: %zu input bytes, the shape takes %zu\n", in_len, in_bytes);
		return 1;
	}
	/* OrtDeviceAllocator, OrtMemTypeDefault */
	check(((Status(*)(int, int, void **))api[CREATE_CPU_MEMORY_INFO])(0, 0, &memory), "memory");
	Status (*tensor)(void *, void *, size_t, const int64_t *, size_t, int, void **) =
	    (Status(*)(void *, void *, size_t, const int64_t *, size_t, int, void **))
	        api[CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE];
	check(tensor(memory, x, in_bytes, in_dims, in_rank, in_type, &input), "input tensor");
	check(tensor(memory, y, out_bytes, out_dims, out_rank, out_type, &output), "output tensor");

	Status (*run)(void *, void *, const char *const *, const void *const *, size_t,
	              const char *const *, size_t, void **) =
	    (Status(*)(void *, void *, const char *const *, const void *const *, size_t,
	               const char *const *, size_t, void **))api[RUN];
	const char *in_names[] = {in_name}, *out_names[] = {out_name};
	const void *inputs[] = {input};
	void *outputs[] = {output};
	for (int i = 0; i < warmup; i++)
		check(run(session, NULL, in_names, inputs, 1, out_names, 1, outputs), "run");
	double *samples = malloc(sizeof(double) * (size_t)runs);
	for (int i = 0; i < runs; i++) {
		double start = now_us();
		check(run(session, NULL, in_names, inputs, 1, out_names, 1, outputs), "run");
		samples[i] = now_us() - start;
	}
	qsort(samples, (size_t)runs, sizeof(double), by_value);
	printf("%.2f %.2f %.2f %.2f\n", quantile(samples, runs, 0.5), quantile(samples, runs, 0.1),
	       quantile(samples, runs, 0.9), samples[0]);
	FILE *f = fopen(argv[10], "wb");
	if (!f || fwrite(y, 1, out_bytes, f) != out_bytes || fclose(f) != 0) {
		perror(argv[10]);
		return 1;
	}
	return 0;
}
