/* A wasi command (_start → main): prints, then exits with status 3 through proc_exit. */
#include <stdio.h>

int main(void) {
  printf("command says hi\n");
  return 3;
}
