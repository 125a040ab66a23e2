/* SPDX-License-Identifier: MIT */
/* How the customer's windows (ui/gtk, ui/win32) read the connection code:
 * what a customer types or pastes (ASCII or full-width digits, spaces and
 * dashes of any width) becomes the 9 digits, shown grouped as the support
 * person reads them out.  Plain C: on Linux and, cross-built, under Wine. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "code-entry.h"

/* Reads TEXT and checks the digits, the grouping and the flags. */
static void expect(const char *text, const char *digits, const char *shown, bool stray,
		   bool too_long)
{
	ui_code code;
	char out[UI_CODE_TEXT_MAX];

	ui_code_read(text, &code);
	ui_code_format(&code, out);
	assert_string_equal(code.digits, digits);
	assert_int_equal(code.n, strlen(digits));
	assert_string_equal(out, shown);
	assert_int_equal(code.stray, stray);
	assert_int_equal(code.too_long, too_long);
}

static void test_code_entry_reads_ascii_with_spaces_and_dashes(void **state)
{
	(void)state;
	expect("123456789", "123456789", "123-456-789", false, false);
	expect("123-456-789", "123456789", "123-456-789", false, false);
	expect(" 123 456\t789\n", "123456789", "123-456-789", false, false);
	expect("1-2-3", "123", "123", false, false);
	expect("", "", "", false, false);
}

static void test_code_entry_reads_full_width_digits_and_japanese_dashes(void **state)
{
	(void)state;
	/* An input method left in 全角 mode: full-width digits, ー (the long
	 * vowel mark the "-" key gives), － and the ideographic space. */
	expect("６１２ー７３６ー５８９", "612736589", "612-736-589", false, false);
	expect("６１２－７３６　５８９", "612736589", "612-736-589", false, false);
	expect("61２‐73６–589", "612736589", "612-736-589", false, false);
	expect("１２３ｰ４", "1234", "123-4", false, false);
}

static void test_code_entry_groups_what_is_typed_so_far(void **state)
{
	(void)state;
	expect("1", "1", "1", false, false);
	expect("123", "123", "123", false, false);
	expect("1234", "1234", "123-4", false, false);
	expect("123456", "123456", "123-456", false, false);
	expect("1234567", "1234567", "123-456-7", false, false);
}

static void test_code_entry_flags_what_is_not_a_code(void **state)
{
	(void)state;
	expect("12a3", "123", "123", true, false);
	expect("code: 123", "123", "123", true, false);
	/* Other scripts' digits are not the code's digits. */
	expect("١٢٣", "", "", true, false);
	/* Invalid UTF-8 is stray, never a digit. */
	expect("12\xff\xfe" "3", "123", "123", true, false);
	expect("\xef\xbc", "", "", true, false);
	expect("1234567890", "123456789", "123-456-789", false, true);
	expect("１２３４５６７８９０１", "123456789", "123-456-789", false, true);
}

static void test_code_entry_clear_forgets_the_digits(void **state)
{
	ui_code code;

	(void)state;
	ui_code_read("12x3456789", &code);
	ui_code_clear(&code);
	assert_int_equal(code.n, 0);
	assert_false(code.stray);
	for (size_t i = 0; i < sizeof(code.digits); i++)
		assert_int_equal(code.digits[i], 0);
}

static void test_code_entry_cursor_stands_after_the_same_digits(void **state)
{
	(void)state;
	/* "123-456-789": after 3 digits before the dash, after 4 past it. */
	assert_int_equal(ui_code_position(0), 0);
	assert_int_equal(ui_code_position(1), 1);
	assert_int_equal(ui_code_position(3), 3);
	assert_int_equal(ui_code_position(4), 5);
	assert_int_equal(ui_code_position(6), 7);
	assert_int_equal(ui_code_position(9), 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_entry_reads_ascii_with_spaces_and_dashes),
		cmocka_unit_test(test_code_entry_reads_full_width_digits_and_japanese_dashes),
		cmocka_unit_test(test_code_entry_groups_what_is_typed_so_far),
		cmocka_unit_test(test_code_entry_flags_what_is_not_a_code),
		cmocka_unit_test(test_code_entry_clear_forgets_the_digits),
		cmocka_unit_test(test_code_entry_cursor_stands_after_the_same_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
