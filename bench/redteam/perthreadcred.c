// Per-thread credentials (raw setresuid, as Samba's file server does): the main thread runs as uid 2000,
// the worker thread as uid 1000. The worker makes a key-0 set (cuid 1000); a short-lived child of uid 1000
// is its last operator; the worker uses it again 3 s later. /proc/PID/status shows only the main thread's uid.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <sys/syscall.h>
static void *worker(void *a){
  syscall(SYS_setresgid,1000,1000,1000); syscall(SYS_setresuid,1000,1000,1000);
  int sid=semget(IPC_PRIVATE,1,IPC_CREAT|0600); if(sid<0){perror("semget");exit(1);}
  pid_t p=fork(); if(p==0){ struct sembuf b={0,1,0}; semop(sid,&b,1); _exit(0);} waitpid(p,0,0);
  printf("worker made sid %d\n",sid); fflush(stdout);
  sleep(3); struct sembuf b={0,-1,0}; if(semop(sid,&b,1)<0) perror("worker semop FAILED"); else printf("worker semop ok\n");
  fflush(stdout); exit(0);}
int main(){ pthread_t t; pthread_create(&t,0,worker,0); usleep(100000);
  syscall(SYS_setresgid,2000,2000,2000); syscall(SYS_setresuid,2000,2000,2000); pause(); }
