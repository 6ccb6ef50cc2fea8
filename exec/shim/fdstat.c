/* fstat of a simulated fd, answered by the shim: glibc's stdio asks it of
 * any fd it wraps (dprintf, fdopen: _IO_file_doallocate wants st_blksize),
 * so a server that prints to its socket needs it. The shim knows each
 * simulated fd's kind (a socket, or an epoll instance) and answers what
 * Linux's sockfs and anon_inodefs give: S_IFSOCK|0777 for a socket
 * (sock_alloc), mode 0600 and no file type for an epoll fd
 * (anon_inode_getfile), nlink 1, the process's uid and gid, a 4096-byte
 * st_blksize, size 0. The inode number is made from the fd number, so that
 * it is deterministic (Linux's is a global counter). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "exec/shim/shim.h"

/* st_dev of sockfs and anon_inodefs: anonymous block devices, numbered in
 * mount order at boot (0:8 and 0:14 on this project's kernels). */
#define SHIM_SOCKFS_DEV 0x8
#define SHIM_ANON_INODEFS_DEV 0xe
/* pipefs's (mounted between them). */
#define SHIM_PIPEFS_DEV 0xc

long shim_fd_stat(long fd, void *user_buf) {
  struct stat st;
  memset(&st, 0, sizeof st);
  int epoll = shim_fd_is_epoll(fd);
  st.st_dev = epoll ? SHIM_ANON_INODEFS_DEV : SHIM_SOCKFS_DEV;
  st.st_ino = 100000 + (ino_t)fd;
  st.st_mode = epoll ? 0600 : (S_IFSOCK | 0777);
  if (shim_fd_is_pipe(fd)) {
    /* get_pipe_inode: S_IFIFO | S_IRUSR | S_IWUSR on pipefs. */
    st.st_dev = SHIM_PIPEFS_DEV;
    st.st_mode = S_IFIFO | 0600;
  }
  st.st_nlink = 1;
  st.st_uid = (uid_t)shim_raw_syscall(SYS_geteuid, 0, 0, 0, 0, 0, 0);
  st.st_gid = (gid_t)shim_raw_syscall(SYS_getegid, 0, 0, 0, 0, 0, 0);
  st.st_blksize = 4096;
  return shim_copy_to(user_buf, &st, sizeof st);
}

long shim_fd_statat(long fd, const void *user_path, void *user_buf,
                    long flags) {
  char first;
  if (shim_copy_from(&first, user_path, 1) != 0) return -EFAULT;
  if (first != 0)
    return first == '/' ? shim_raw_syscall(SYS_newfstatat, fd, (long)user_path,
                                           (long)user_buf, flags, 0, 0)
                        : -ENOTDIR; /* relative to a socket */
  if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
  return shim_fd_stat(fd, user_buf);
}
