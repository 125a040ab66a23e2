/* SPDX-License-Identifier: MIT */
/* Reference-counted buffers and their pools. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/frame.h>

static void test_buffer_new_is_zeroed_and_writable(void **state)
{
	(void)state;
	kyoyu_buffer *b = kyoyu_buffer_new(100);
	assert_non_null(b);
	assert_int_equal(kyoyu_buffer_size(b), 100);
	assert_int_equal(kyoyu_buffer_capacity(b), 100);
	const unsigned char *data = kyoyu_buffer_data(b);
	for (int i = 0; i < 100; i++)
		assert_int_equal(data[i], 0);
	/* SIMD code reads the rows: the data is aligned. */
	assert_int_equal((uintptr_t)data % 64, 0);
	assert_true(kyoyu_buffer_is_writable(b));
	kyoyu_buffer_unref(b);
}

static void test_buffer_copy_holds_the_bytes(void **state)
{
	static const char text[] = "kyoyu";

	(void)state;
	kyoyu_buffer *b = kyoyu_buffer_new_copy(text, sizeof(text));
	assert_non_null(b);
	assert_memory_equal(kyoyu_buffer_data(b), text, sizeof(text));
	kyoyu_buffer_unref(b);
	b = kyoyu_buffer_new_copy(NULL, 0);
	assert_non_null(b);
	assert_int_equal(kyoyu_buffer_size(b), 0);
	kyoyu_buffer_unref(b);
}

static void test_buffer_is_writable_only_with_one_reference(void **state)
{
	(void)state;
	kyoyu_buffer *b = kyoyu_buffer_new(8);
	assert_ptr_equal(kyoyu_buffer_ref(b), b);
	assert_false(kyoyu_buffer_is_writable(b));
	kyoyu_buffer_unref(b);
	assert_true(kyoyu_buffer_is_writable(b));
	kyoyu_buffer_unref(b);
	kyoyu_buffer_unref(NULL); /* ignored */
}

static void test_buffer_set_size_stays_within_capacity(void **state)
{
	(void)state;
	kyoyu_buffer *b = kyoyu_buffer_new(16);
	assert_int_equal(kyoyu_buffer_set_size(b, 4), 0);
	assert_int_equal(kyoyu_buffer_size(b), 4);
	assert_int_equal(kyoyu_buffer_set_size(b, 17), -EINVAL);
	assert_int_equal(kyoyu_buffer_size(b), 4);
	kyoyu_buffer_unref(b);
}

static void test_buffer_refuses_absurd_sizes(void **state)
{
	(void)state;
	assert_null(kyoyu_buffer_new(SIZE_MAX));
	assert_null(kyoyu_buffer_new(SIZE_MAX - 10));
}

static void count_release(void *opaque)
{
	(*(int *)opaque)++;
}

/* Memory the caller owns goes back to it once, on the last unref, and is
 * never freed by the core. */
static void test_wrapped_buffer_gives_its_memory_back_on_last_unref(void **state)
{
	(void)state;
	static unsigned char memory[64];
	int released = 0;
	kyoyu_buffer *b = kyoyu_buffer_new_wrapped(memory, sizeof(memory), count_release,
						   &released);

	assert_non_null(b);
	assert_ptr_equal(kyoyu_buffer_data(b), memory);
	assert_int_equal(kyoyu_buffer_size(b), sizeof(memory));
	assert_int_equal(kyoyu_buffer_capacity(b), sizeof(memory));
	assert_true(kyoyu_buffer_is_writable(b));
	kyoyu_buffer_ref(b);
	assert_false(kyoyu_buffer_is_writable(b));
	kyoyu_buffer_unref(b);
	assert_int_equal(released, 0);
	kyoyu_buffer_unref(b);
	assert_int_equal(released, 1);
}

static void test_pool_bound_returns_null(void **state)
{
	kyoyu_buffer *b[3];

	(void)state;
	kyoyu_pool *pool = kyoyu_pool_new(32, 3);
	assert_non_null(pool);
	assert_int_equal(kyoyu_pool_buffer_size(pool), 32);
	for (int i = 0; i < 3; i++)
		assert_non_null(b[i] = kyoyu_pool_acquire(pool));
	assert_null(kyoyu_pool_acquire(pool));
	kyoyu_buffer_unref(b[1]);
	kyoyu_buffer *again = kyoyu_pool_acquire(pool);
	/* The returned buffer is reused, not a new allocation. */
	assert_ptr_equal(again, b[1]);
	assert_null(kyoyu_pool_acquire(pool));
	kyoyu_buffer_unref(again);
	kyoyu_buffer_unref(b[0]);
	kyoyu_buffer_unref(b[2]);
	kyoyu_pool_unref(pool);
}

static void test_pool_buffer_comes_back_full_size_and_writable(void **state)
{
	(void)state;
	kyoyu_pool *pool = kyoyu_pool_new(64, 1);
	kyoyu_buffer *b = kyoyu_pool_acquire(pool);
	memset(kyoyu_buffer_data(b), 0xab, 64);
	kyoyu_buffer_set_size(b, 10);
	kyoyu_buffer_ref(b);
	kyoyu_buffer_unref(b);
	kyoyu_buffer_unref(b);
	b = kyoyu_pool_acquire(pool);
	assert_int_equal(kyoyu_buffer_size(b), 64);
	assert_true(kyoyu_buffer_is_writable(b));
	/* Contents are as last left: pools do not clear, producers repaint. */
	assert_int_equal(((unsigned char *)kyoyu_buffer_data(b))[63], 0xab);
	kyoyu_buffer_unref(b);
	kyoyu_pool_unref(pool);
}

static void test_pool_outlives_owner_unref(void **state)
{
	(void)state;
	kyoyu_pool *pool = kyoyu_pool_new(128, 2);
	kyoyu_buffer *a = kyoyu_pool_acquire(pool);
	kyoyu_buffer *b = kyoyu_pool_acquire(pool);
	kyoyu_pool_unref(pool);
	/* The buffers still work and their last unref frees the pool (ASan
	 * and valgrind would see a use after free or a leak otherwise). */
	memset(kyoyu_buffer_data(a), 1, 128);
	kyoyu_buffer_unref(a);
	memset(kyoyu_buffer_data(b), 2, 128);
	kyoyu_buffer_unref(b);
}

static void test_pool_of_zero_buffers_is_refused(void **state)
{
	(void)state;
	assert_null(kyoyu_pool_new(16, 0));
	kyoyu_pool_unref(NULL);
}

typedef struct churn {
	kyoyu_pool *pool;
	int got, missed;
} churn;

static void *churn_thread(void *arg)
{
	churn *c = arg;

	for (int i = 0; i < 20000; i++) {
		kyoyu_buffer *b = kyoyu_pool_acquire(c->pool);
		if (!b) {
			c->missed++;
			continue;
		}
		c->got++;
		kyoyu_buffer *extra = kyoyu_buffer_ref(b);
		((unsigned char *)kyoyu_buffer_data(b))[0]++;
		kyoyu_buffer_unref(extra);
		kyoyu_buffer_unref(b);
	}
	return NULL;
}

static void test_pool_is_safe_across_threads(void **state)
{
	pthread_t threads[4];
	churn work[4];

	(void)state;
	kyoyu_pool *pool = kyoyu_pool_new(256, 3);
	for (int i = 0; i < 4; i++) {
		work[i] = (churn){pool, 0, 0};
		assert_int_equal(pthread_create(&threads[i], NULL, churn_thread, &work[i]), 0);
	}
	int got = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		got += work[i].got;
	}
	assert_true(got > 0);
	kyoyu_pool_unref(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_new_is_zeroed_and_writable),
		cmocka_unit_test(test_buffer_copy_holds_the_bytes),
		cmocka_unit_test(test_buffer_is_writable_only_with_one_reference),
		cmocka_unit_test(test_buffer_set_size_stays_within_capacity),
		cmocka_unit_test(test_buffer_refuses_absurd_sizes),
		cmocka_unit_test(test_wrapped_buffer_gives_its_memory_back_on_last_unref),
		cmocka_unit_test(test_pool_bound_returns_null),
		cmocka_unit_test(test_pool_buffer_comes_back_full_size_and_writable),
		cmocka_unit_test(test_pool_outlives_owner_unref),
		cmocka_unit_test(test_pool_of_zero_buffers_is_refused),
		cmocka_unit_test(test_pool_is_safe_across_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
