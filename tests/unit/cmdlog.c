#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmdlog.h"

int
cmdlog_count(const char *dir, const char *prefix)
{
	char path[256], line[256];
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(fp);
	return n;
}

const char *
cmdlog_text(const char *dir)
{
	static char text[4096];
	char path[256];
	size_t n = 0;
	FILE *fp;

	text[0] = '\0';
	snprintf(path, sizeof(path), "%s/log", dir);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

int
cmdlog_fresh(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/log", dir);
	(void)unlink(path);
	return 0;
}
